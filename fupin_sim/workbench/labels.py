"""Every label string the planner sees, in English and Chinese: one table for charts, tables,
dashboards and the Excel workbook.

::

    from fupin_sim.workbench.labels import header, name
    header("exit_share_cum", "zh")                       # '累计脱贫比例'
    name("programme_names", "industry", "en")            # 'Industry'

:data:`LABELS` holds, per language, the chart texts, the dashboard texts, the column headers
(``columns``; a programme's money columns from ``programme_columns``), the names of programmes,
scenarios, targeting orders and causes, and the groups of the yearly table
(:data:`fupin_sim.workbench.formatting.YEARLY_GROUPS`). :func:`page_language` reads the language a
dashboard page was opened in (``?lang=zh``).
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import parse_qs

LANGUAGES = ("en", "zh")
PROGRAMME_COLUMN = re.compile(r"(spending|budget|unspent|given)_(\w+)_cny")
OPTIMISER_ESTIMATE = re.compile(r"(\w+?)_(in|out)(?:_(low|high))?")  # total_cost_cny_in_low
OPTIMISER_METRIC = re.compile(r"([a-z_]+?)((?:_\d{4})*)")  # p_exit_target_2016, returns_2017_2020
OPTIMISER_VARIABLE = re.compile(r"programmes\.(\w+)\.(\w+)(?:\.(\d{4}))?")  # programmes.industry.budget_cny.2016

LABELS: dict[str, dict[str, Any]] = {
    "en": {
        # charts
        "year": "Year",
        "exit_title": "Registered poor people exited (cumulative share)",
        "exit_axis": "Share of the 2015 registered poor",
        "villages_title": "Poor villages delisted (cumulative)",
        "villages_axis": "Villages",
        "returns_title": "Returns to poverty",
        "new_poor_title": "New poor",
        "households_axis": "Households per year",
        "spending_title": "Spending by programme",
        "money_axis": "Million yuan",
        "money_divisor": 1e6,
        "target": "Target",
        "band": "5–95 % of replications",
        "this_run": "This run",
        "pathways_title": "Exits by pathway",
        "exits_axis": "Households exited per year",
        "pathway_names": {
            "wage": "Wages (self-reliant)",
            "farm": "Farming (self-reliant)",
            "industry": "Broiler industry (self-reliant)",
            "property": "Property income (self-reliant)",
            "haves": "Six haves completed",
            "transfer": "Transfers",
        },
        "calibration_title": "Model against the published figures",
        "calibration_axis": "Model ÷ published (published = 100 %)",
        "published_value": "Published",
        "published_range": "Published range",
        "model_mean": "Model (mean)",
        "model_interval": "Model 5–95 %",
        "fitted": "fitted",
        "held_out": "held out",
        "model_before": "Model before calibration (mean)",
        "before": "before",
        "village_grid_title": "Poverty incidence by village and year",
        "village_axis": "Village",
        "delisted_marker": "delisted",
        "missing_haves": "missing: {haves}",
        "all_haves": "all five haves",
        "incidence_scale": "Incidence",
        "at_risk_title": "Exited households at risk of returning, by {by}",
        "at_risk_axis": "Households at risk",
        "by_village": "village",
        "by_cause": "cause of poverty",
        "village_name": "Village {village}",
        "yes": "yes",
        "no": "no",
        "as_scenario_named": "As in the scenario: {orders}",
        "front_title": "Da'an District poverty alleviation: the planner's pages",
        "front_intro": (
            "Each page runs the simulation of Da'an's 2016 decision (建档立卡 households, 26 poor villages, "
            "eight programmes) and answers one question. Counts and money are for the whole district."
        ),
        "language_choice": "Language",
        "unavailable": "not available yet",
        "pages": {
            "compare": (
                "Compare scenarios",
                "Will the exit and village targets be met, and how sure are we? "
                "Several scenarios side by side, with the probability of meeting each target.",
            ),
            "budgets": (
                "Tune budgets",
                "What does a budget buy? Move a programme's yearly budget and see the target "
                "probabilities, returns and the cost per sustained exit change.",
            ),
            "optimise": (
                "Optimise",
                "Which budgets meet the targets at the least cost? A search over the programmes' "
                "budgets under the district's money.",
            ),
            "risk": (
                "Return risk",
                "Who may fall back into poverty? Exited households at risk, by village and by cause, "
                "with the 2020 monitoring rule.",
            ),
            "plans": (
                "Plans",
                "What does each village and household plan (一村一案, 一户一策) hold, and what does it cost?",
            ),
            "calibration": (
                "Calibration",
                "How close is the model to the published figures? Each figure against the model's mean and range.",
            ),
        },
        "groups": {
            "targets": "Targets",
            "exits": "Exits and pathways",
            "returns": "Returns and new poor",
            "money": "Money",
            "haves": "Two assurances, three guarantees",
        },
        # the comparison's target table
        "exit_target_column": "Exit target {year} ({target:.0%})",
        "village_target_column": "Village target {year} ({target:.0f})",
        "scenario": "Scenario",
        # widgets
        "targeting": "Targeting",
        "budget_slider": "{programme} (M yuan/yr)",
        "scenarios": "Scenarios",
        "replications": "Replications",
        "reference": "Reference",
        "run": "Run",
        "save_file": "File",
        "save_button": "Save these budgets as a scenario file",
        "saved_to": "saved: {path}",
        "outcome": "Outcome",
        "value": "Value",
        "outcomes": {
            "p_exit_2016": "Probability of meeting the 2016 exit target",
            "p_exit_2017": "Probability of meeting the 2017 exit target",
            "p_villages_2016": "Probability of meeting the 2016 village target",
            "p_villages_2017": "Probability of meeting the 2017 village target",
            "exit_share_2017": "Share exited by 2017",
            "returns_by_2020": "Returns to poverty 2016–2020 (households)",
            "cost_per_sustained_exit_cny": "Cost per sustained exit (yuan)",
            "transfer_dependent_share": "Exits dependent on transfers",
            "spending_cny": "Spending 2016–2020 (yuan)",
        },
        # exports: sheet names; English headers are the column names (spending_<programme>_cny …)
        "sheets": {
            "yearly": "yearly",
            "ledger": "ledger",
            "at_risk": "at risk",
            "programmes": "programmes",
            "household_plans": "households",
            "village_plans": "villages",
            "monitoring_list": "monitoring",
            "villages": "villages by year",
        },
        "columns": {
            "year": "Year",
            "registered_poor_households_start": "Registered poor households at start",
            "registered_poor_people_start": "Registered poor people at start",
            "exit_line_cny": "Exit line (yuan per person and year)",
            "exits_households": "Households exited",
            "exits_people": "People exited",
            "re_exits_households": "Households exited again",
            "exits_transfer_dependent": "Exits dependent on transfers",
            "exits_own_earnings": "Exits on own earnings",
            "exits_thin_margin": "Exits just over the line",
            "exit_margin_median": "Median margin of exits over the line",
            "exits_via_wage": "Exit pathway: wages",
            "exits_via_farm": "Exit pathway: farming",
            "exits_via_industry": "Exit pathway: broiler industry",
            "exits_via_property": "Exit pathway: property income",
            "exits_via_transfer": "Exit pathway: transfers",
            "exits_via_haves": "Exit pathway: six haves completed",
            "exit_share_cum": "Share exited (cumulative)",
            "registered_2015_people": "Registered poor people of 2015",
            "exited_2015_people": "Of whom exited",
            "exit_shortfall_people": "People short of the exit target",
            "paper_exit_share": "Share of exits on paper if declared met",
            "poverty_gap_cny": "Poverty gap (yuan a year)",
            "returns_households": "Households returned to poverty",
            "returns_people": "People returned to poverty",
            "returns_illness": "Returns: illness",
            "returns_income": "Returns: income fell",
            "returns_haves": "Returns: haves lost",
            "new_poor_households": "New poor households",
            "new_poor_people": "New poor people",
            "registered_poor_households_end": "Registered poor households at end",
            "registered_poor_people_end": "Registered poor people at end",
            "incidence": "Poverty incidence",
            "villages_delisted": "Villages delisted this year",
            "villages_delisted_cum": "Villages delisted (cumulative)",
            "employed_share": "Households with labour that have a job",
            "no_dropout_share": "Households without a school dropout",
            "safe_housing_share": "Households in safe housing",
            "insured_share": "Households with basic medical insurance",
            "exit_target_cum": "Exit target (cumulative)",
            "exit_target_met": "Exit target met",
            "village_target_cum": "Village target (cumulative)",
            "village_target_met": "Village target met",
            "returns": "Returns (households)",
            "new_poor": "New poor (households)",
            "spending_cny": "Spending (yuan)",
            # ledger
            "programme": "Programme",
            "village": "Village (number)",
            "households_paid": "Households paid",
            # at-risk list
            "household": "Household (number)",
            "cause": "Cause of poverty",
            "people": "People",
            "income_pc_cny": "Income per person (yuan)",
            "previous_income_pc_cny": "Previous income per person (yuan)",
            "margin_share": "Margin over the exit line",
            "transfer_share": "Share of income from transfers",
            "chronic_members": "Chronically ill members",
            "medical_oop_pc_cny": "Own medical spending per person (yuan)",
            "debt_cny": "Debt (yuan)",
            "thin_margin": "Just over the line",
            "illness": "Illness risk",
            "debt": "Debt risk",
            "transfer_dependent": "Dependent on transfers",
            "monitoring_income": "Monitoring: income below 1.5 × national line",
            "monitoring_spending": "Monitoring: medical spending above income",
            "monitoring_drop": "Monitoring: sharp income drop",
            "at_risk": "At risk of returning",
            "monitored": "Monitored",
            "risk_score": "Risk flags",
            "exited_households": "Households exited",
            "at_risk_households": "Households at risk",
            "at_risk_share": "Share at risk",
            "at_risk_people": "People at risk",
            "monitored_households": "Households monitored",
            # programme summary
            "label": "Programme name",
            "budget_cny": "Budget (yuan)",
            "unspent_cny": "Unspent (yuan)",
            "households_served": "Households served",
            "exits_served": "Exits among them",
            "sustained_exits_served": "Sustained exits among them",
            "cost_per_exit_cny": "Cost per exit (yuan)",
            "cost_per_sustained_exit_cny": "Cost per sustained exit (yuan)",
            # calibration
            "figure": "Figure",
            "description": "Description",
            "unit": "Unit",
            "confidence": "Confidence",
            "source": "Source",
            "published": "Published",
            "model": "Model",
            "p05": "Model 5 %",
            "p95": "Model 95 %",
            "low": "Published range low",
            "high": "Published range high",
            "within": "Within the range",
            "model_before": "Model before calibration",
            "within_before": "Within the range before calibration",
            "held_out": "Held out",
            "difference": "Difference",
            "relative_difference": "Relative difference",
            "note": "Note",
            "scenario": "Scenario",
            "statistic": "Model statistic",
            "distance": "Distance (bands)",
            "weight": "Weight",
            # villages
            "village_name": "Village",
            "poor_village": "Poor village",
            "delisted_year": "Year delisted",
            "collective_income": "Collective income",
            "road": "Hardened road",
            "clinic": "Clinic",
            "culture_room": "Culture room",
            "broadband": "Broadband",
            "collective_income_prob": "Collective income (probability)",
            "road_prob": "Hardened road (probability)",
            "clinic_prob": "Clinic (probability)",
            "culture_room_prob": "Culture room (probability)",
            "broadband_prob": "Broadband (probability)",
            # plans (一户一策, 一村一案, monitoring list)
            "household_key": "Household (key)",
            "missing_haves": "Haves missing",
            "safe_housing": "Safe housing",
            "school": "Schooling",
            "insured": "Medical insurance",
            "safe_water": "Safe drinking water",
            "electricity": "Electricity",
            "radio_tv": "Radio and TV",
            "exit_bar_cny": "Exit bar (yuan per person)",
            "income_gap_cny": "Income gap (yuan per household and year)",
            "medical_oop_first_year_cny": "Own medical spending, first year (yuan)",
            "exit_prob": "Probability of exiting in the period",
            "exit_year": "Projected exit year",
            "exit_by_that_year_prob": "Probability of exiting by that year",
            "return_prob": "Probability of returning to poverty",
            "eligible_programmes": "Programmes eligible for",
            "programmes": "Programmes",
            "given_cny": "Support given (yuan)",
            "monitored_prob": "Probability of being monitored",
            "delisted_prob": "Probability delisted",
            "missing_cost_cny": "Cost of the missing haves (yuan)",
            "delisting_year": "Projected delisting year",
            "delisting_year_prob": "Probability delisted by that year",
            "monitoring_income_prob": "Probability: income below the monitoring line",
            "monitoring_spending_prob": "Probability: medical spending above income",
            "monitoring_drop_prob": "Probability: sharp income drop",
            # optimiser (fupin optimise): the frontier and the marginal costs
            "plan": "Plan",
            "trial": "Trial",
            "feasible_in": "Meets the constraints (in sample)",
            "feasible_out": "Meets the constraints (fresh seeds)",
            "flagged": "Fresh seeds outside the in-sample interval",
            "extra_budget_cny": "Extra budget (yuan)",
            "extra_spending_cny": "Extra spending (yuan)",
            "extra_sustained_exits": "Extra sustained exits (households)",
            "extra_sustained_exits_low": "Extra sustained exits, 5 %",
            "extra_sustained_exits_high": "Extra sustained exits, 95 %",
            "marginal_cost_cny_per_sustained_exit": "Cost of one more sustained exit (yuan)",
        },
        "optimiser_metrics": {  # a metric of the study, {year}s from its name (p_exit_target_2016)
            "total_cost_cny": "Total cost (yuan)",
            "spending_cny": "Spending {year} (yuan)",
            "budget_cny_total": "Budget, all years (yuan)",
            "budget_cny": "Budget {year} (yuan)",
            "p_exit_target": "P(exit target {year})",
            "p_village_target": "P(village target {year})",
            "p_all_targets": "P(every target)",
            "returns": "Returns {year}–{last} (households)",
            "sustained_exits": "Sustained exits (households)",
            "cost_per_sustained_exit_cny": "Cost per sustained exit (yuan)",
            "transfer_dependent_share": "Exits dependent on transfers",
            "exit_share_cum": "Share exited by {year}",
        },
        "optimiser_estimates": {  # <metric>_in, _in_low … _out_high
            "in": "{metric}, in sample",
            "in_low": "{metric}, in sample 5 %",
            "in_high": "{metric}, in sample 95 %",
            "out": "{metric}, fresh seeds",
            "out_low": "{metric}, fresh seeds 5 %",
            "out_high": "{metric}, fresh seeds 95 %",
        },
        "optimiser_variable": "{programme}: {setting}",  # programmes.<programme>.<setting>[.<year>]
        "optimiser_variable_year": "{programme}: {setting}, {year}",
        "optimiser_settings": {
            "budget_cny": "budget (yuan)",
            "public_jobs": "public-welfare posts",
            "targeting": "targeting",
            "construction_start": "construction start",
        },
        "programme_columns": {
            "spending": "{programme}: spending (yuan)",
            "budget": "{programme}: budget (yuan)",
            "unspent": "{programme}: unspent (yuan)",
            "given": "{programme}: support given (yuan)",
        },
        # names
        "programme_names": {
            "education": "Education",
            "employment": "Employment",
            "health": "Health",
            "industry": "Industry",
            "infrastructure": "Village infrastructure",
            "microcredit": "Micro-credit",
            "relocation": "Relocation and housing",
            "social_assistance": "Social assistance",
        },
        "scenario_names": {
            "baseline": "Baseline (no decision)",
            "decision_2016": "Decision of 2016",
            "transfers_only": "Transfers only",
            "development_first": "Development first",
            "health_first": "Health first",
            "relocation_heavy": "Relocation heavy",
            "poorest_first": "Poorest first",
            "nearest_to_line": "Nearest to the line first",
            "withdrawal_2018": "Support withdrawn in 2018",
            "employment_goal": "Decision, employment goal funded",
        },
        "targeting_names": {
            "as_scenario": "As in the scenario",
            "nearest_to_line": "Nearest to the line first",
            "poorest_first": "Poorest first",
            "cause_matched": "Cause-matched",
            "village_plan": "Planned villages first",
            "random": "Random",
        },
        "cause_names": {
            "illness": "Illness",
            "disability": "Disability",
            "lack_of_labour": "Lack of labour",
            "lack_of_funds": "Lack of funds",
            "lack_of_skills": "Lack of skills",
            "schooling": "Schooling",
            "disaster": "Disaster",
            "other": "Other",
            "none": "Not recorded",
        },
    },
    "zh": {
        "year": "年份",
        "exit_title": "建档立卡贫困人口累计脱贫比例",
        "exit_axis": "占2015年建档立卡贫困人口",
        "villages_title": "贫困村累计摘帽数",
        "villages_axis": "村数",
        "returns_title": "返贫户数",
        "new_poor_title": "新增贫困户数",
        "households_axis": "每年户数",
        "spending_title": "各项目资金支出",
        "money_axis": "万元",
        "money_divisor": 1e4,
        "target": "目标",
        "band": "模拟结果5–95%区间",
        "this_run": "本次模拟",
        "pathways_title": "各脱贫途径脱贫户数",
        "exits_axis": "每年脱贫户数",
        "pathway_names": {
            "wage": "工资性收入（造血）",
            "farm": "种养业经营（造血）",
            "industry": "肉鸡产业（造血）",
            "property": "财产性收入（造血）",
            "haves": "补齐六有",
            "transfer": "转移性收入（输血）",
        },
        "calibration_title": "模型值与公布数据对照",
        "calibration_axis": "模型值÷公布值（公布值＝100%）",
        "published_value": "公布值",
        "published_range": "公布区间",
        "model_mean": "模型均值",
        "model_interval": "模型5–95%区间",
        "fitted": "用于校准",
        "held_out": "留作检验",
        "model_before": "校准前模型均值",
        "before": "校准前",
        "village_grid_title": "各村历年贫困发生率",
        "village_axis": "村",
        "delisted_marker": "摘帽",
        "missing_haves": "缺：{haves}",
        "all_haves": "五有齐全",
        "incidence_scale": "贫困发生率",
        "at_risk_title": "有返贫风险的脱贫户数（按{by}）",
        "at_risk_axis": "有返贫风险户数",
        "by_village": "村",
        "by_cause": "致贫原因",
        "village_name": "{village}号村",
        "yes": "是",
        "no": "否",
        "as_scenario_named": "按情景设定：{orders}",
        "front_title": "大安区脱贫攻坚：规划人员工作页面",
        "front_intro": "每个页面都运行大安区2016年脱贫攻坚决定的模拟（建档立卡贫困户、26个贫困村、八类扶贫项目），回答一个问题。户数、人数和资金均为全区数。",
        "language_choice": "语言",
        "unavailable": "暂未提供",
        "pages": {
            "compare": ("情景比较", "能否完成脱贫和摘帽目标，把握有多大？多个情景并列，给出完成各项目标的概率。"),
            "budgets": (
                "预算调整",
                "一笔预算能换来什么？调整各项目年度预算，查看目标达成概率、返贫户数和每户稳定脱贫成本的变化。",
            ),
            "optimise": ("预算优化", "哪种预算分配能以最少资金完成目标？在全区资金约束下搜索各项目预算。"),
            "risk": (
                "返贫风险",
                "哪些脱贫户可能返贫？按村、按致贫原因列出有返贫风险的脱贫户，并对照2020年防止返贫监测标准。",
            ),
            "plans": ("帮扶计划", "一村一案、一户一策各包括哪些措施，需要多少资金？"),
            "calibration": ("模型校准", "模型与公布数据差多少？逐项对照公布值与模型均值及其区间。"),
        },
        "groups": {
            "targets": "目标",
            "exits": "脱贫与脱贫途径",
            "returns": "返贫与新增贫困",
            "money": "资金",
            "haves": "两不愁三保障",
        },
        "exit_target_column": "{year}年脱贫目标（{target:.0%}）",
        "village_target_column": "{year}年摘帽目标（{target:.0f}个村）",
        "scenario": "情景",
        "targeting": "瞄准顺序",
        "budget_slider": "{programme}（百万元/年）",
        "scenarios": "情景",
        "replications": "重复模拟次数",
        "reference": "参照情景",
        "run": "运行",
        "save_file": "文件",
        "save_button": "将这些预算保存为情景文件",
        "saved_to": "已保存：{path}",
        "outcome": "指标",
        "value": "数值",
        "outcomes": {
            "p_exit_2016": "2016年脱贫目标达成概率",
            "p_exit_2017": "2017年脱贫目标达成概率",
            "p_villages_2016": "2016年贫困村摘帽目标达成概率",
            "p_villages_2017": "2017年贫困村摘帽目标达成概率",
            "exit_share_2017": "2017年累计脱贫比例",
            "returns_by_2020": "2016–2020年返贫户数",
            "cost_per_sustained_exit_cny": "每户稳定脱贫成本（元）",
            "transfer_dependent_share": "依靠转移性收入脱贫的比例",
            "spending_cny": "2016–2020年资金支出（元）",
        },
        "sheets": {
            "yearly": "年度汇总",
            "ledger": "资金台账",
            "at_risk": "返贫风险",
            "programmes": "项目",
            "household_plans": "一户一策",
            "village_plans": "一村一案",
            "monitoring_list": "防止返贫监测",
            "villages": "村级情况",
        },
        "columns": {
            "year": "年份",
            "registered_poor_households_start": "年初建档立卡贫困户数",
            "registered_poor_people_start": "年初建档立卡贫困人口",
            "exit_line_cny": "脱贫标准（元/人·年）",
            "exits_households": "脱贫户数",
            "exits_people": "脱贫人数",
            "re_exits_households": "再次脱贫户数",
            "exits_transfer_dependent": "依靠转移性收入脱贫户数",
            "exits_own_earnings": "依靠自身收入脱贫户数",
            "exits_thin_margin": "刚过线脱贫户数",
            "exit_margin_median": "脱贫户超出标准比例中位数",
            "exits_via_wage": "脱贫途径：工资性收入",
            "exits_via_farm": "脱贫途径：种养业经营收入",
            "exits_via_industry": "脱贫途径：肉鸡产业收入",
            "exits_via_property": "脱贫途径：财产性收入",
            "exits_via_transfer": "脱贫途径：转移性收入",
            "exits_via_haves": "脱贫途径：补齐六有",
            "exit_share_cum": "累计脱贫比例",
            "registered_2015_people": "2015年建档立卡贫困人口",
            "exited_2015_people": "其中已脱贫人数",
            "exit_shortfall_people": "距累计脱贫目标差人数",
            "paper_exit_share": "如宣布达标，账面脱贫占报告脱贫比例",
            "poverty_gap_cny": "贫困缺口：使在册贫困户达标所需金额（元/年）",
            "returns_households": "返贫户数",
            "returns_people": "返贫人数",
            "returns_illness": "返贫原因：因病",
            "returns_income": "返贫原因：收入下降",
            "returns_haves": "返贫原因：六有缺失",
            "new_poor_households": "新增贫困户数",
            "new_poor_people": "新增贫困人数",
            "registered_poor_households_end": "年末建档立卡贫困户数",
            "registered_poor_people_end": "年末建档立卡贫困人口",
            "incidence": "贫困发生率",
            "villages_delisted": "当年摘帽村数",
            "villages_delisted_cum": "累计摘帽村数",
            "employed_share": "有劳动力户有人就业比例",
            "no_dropout_share": "义务教育无辍学户比例",
            "safe_housing_share": "住房安全户比例",
            "insured_share": "参加基本医疗保险户比例",
            "exit_target_cum": "累计脱贫目标",
            "exit_target_met": "脱贫目标是否达成",
            "village_target_cum": "累计摘帽目标",
            "village_target_met": "摘帽目标是否达成",
            "returns": "返贫户数（合计）",
            "new_poor": "新增贫困户数（合计）",
            "spending_cny": "资金支出（元）",
            # ledger
            "programme": "项目",
            "village": "村（编号）",
            "households_paid": "受益户数",
            # at-risk list
            "household": "户（编号）",
            "cause": "致贫原因",
            "people": "人数",
            "income_pc_cny": "人均纯收入（元）",
            "previous_income_pc_cny": "上年人均纯收入（元）",
            "margin_share": "超出脱贫标准比例",
            "transfer_share": "转移性收入占比",
            "chronic_members": "慢性病人数",
            "medical_oop_pc_cny": "人均自付医疗费用（元）",
            "debt_cny": "负债（元）",
            "thin_margin": "刚过线",
            "illness": "疾病风险",
            "debt": "负债风险",
            "transfer_dependent": "依赖转移性收入",
            "monitoring_income": "监测：收入低于国家标准1.5倍",
            "monitoring_spending": "监测：医疗支出超过收入",
            "monitoring_drop": "监测：收入大幅缩减",
            "at_risk": "有返贫风险",
            "monitored": "纳入监测",
            "risk_score": "风险项数",
            "exited_households": "脱贫户数",
            "at_risk_households": "有返贫风险户数",
            "at_risk_share": "有返贫风险比例",
            "at_risk_people": "有返贫风险人数",
            "monitored_households": "纳入监测户数",
            # programme summary
            "label": "项目名称",
            "budget_cny": "预算（元）",
            "unspent_cny": "结余（元）",
            "households_served": "受益户数",
            "exits_served": "受益户中脱贫户数",
            "sustained_exits_served": "受益户中稳定脱贫户数",
            "cost_per_exit_cny": "每户脱贫成本（元）",
            "cost_per_sustained_exit_cny": "每户稳定脱贫成本（元）",
            # calibration
            "figure": "指标",
            "description": "说明",
            "unit": "单位",
            "confidence": "可信度",
            "source": "来源",
            "published": "公布值",
            "model": "模型值",
            "p05": "模型5%分位",
            "p95": "模型95%分位",
            "low": "公布区间下限",
            "high": "公布区间上限",
            "within": "是否在区间内",
            "model_before": "校准前模型值",
            "within_before": "校准前是否在区间内",
            "held_out": "留作检验",
            "difference": "差值",
            "relative_difference": "相对差值",
            "note": "备注",
            "scenario": "情景",
            "statistic": "模型统计量",
            "distance": "偏离（区间宽度倍数）",
            "weight": "权重",
            # villages
            "village_name": "村名",
            "poor_village": "贫困村",
            "delisted_year": "摘帽年份",
            "collective_income": "村集体经济收入",
            "road": "硬化路",
            "clinic": "卫生室",
            "culture_room": "文化室",
            "broadband": "宽带",
            "collective_income_prob": "村集体经济收入达标概率",
            "road_prob": "硬化路达标概率",
            "clinic_prob": "卫生室达标概率",
            "culture_room_prob": "文化室达标概率",
            "broadband_prob": "宽带达标概率",
            # plans (一户一策, 一村一案, 防止返贫监测)
            "household_key": "户代码",
            "missing_haves": "未达标的“有”",
            "safe_housing": "住房安全",
            "school": "义务教育",
            "insured": "基本医疗保险",
            "safe_water": "饮水安全",
            "electricity": "通电",
            "radio_tv": "广播电视",
            "exit_bar_cny": "脱贫标准（元/人）",
            "income_gap_cny": "收入差距（元/户·年）",
            "medical_oop_first_year_cny": "首年自付医疗费用（元）",
            "exit_prob": "期内脱贫概率",
            "exit_year": "预计脱贫年度",
            "exit_by_that_year_prob": "该年度前脱贫概率",
            "return_prob": "返贫概率",
            "eligible_programmes": "符合条件的项目",
            "programmes": "受益项目",
            "given_cny": "扶持资金合计（元）",
            "monitored_prob": "纳入监测概率",
            "delisted_prob": "已退出概率",
            "missing_cost_cny": "补齐所缺“有”的费用（元）",
            "delisting_year": "预计退出年度",
            "delisting_year_prob": "该年度前退出概率",
            "monitoring_income_prob": "收入低于监测线概率",
            "monitoring_spending_prob": "医疗支出超过收入概率",
            "monitoring_drop_prob": "收入骤降概率",
            # optimiser (fupin optimise): the frontier and the marginal costs
            "plan": "方案",
            "trial": "试算编号",
            "feasible_in": "满足约束（样本内）",
            "feasible_out": "满足约束（新随机数复核）",
            "flagged": "复核值超出样本内区间",
            "extra_budget_cny": "追加预算（元）",
            "extra_spending_cny": "追加支出（元）",
            "extra_sustained_exits": "新增稳定脱贫户数",
            "extra_sustained_exits_low": "新增稳定脱贫户数（5%）",
            "extra_sustained_exits_high": "新增稳定脱贫户数（95%）",
            "marginal_cost_cny_per_sustained_exit": "每多一户稳定脱贫的成本（元）",
        },
        "optimiser_metrics": {
            "total_cost_cny": "总成本（元）",
            "spending_cny": "{year}年支出（元）",
            "budget_cny_total": "各年预算合计（元）",
            "budget_cny": "{year}年预算（元）",
            "p_exit_target": "{year}年脱贫目标完成概率",
            "p_village_target": "{year}年贫困村退出目标完成概率",
            "p_all_targets": "全部目标完成概率",
            "returns": "{year}–{last}年返贫户数",
            "sustained_exits": "稳定脱贫户数",
            "cost_per_sustained_exit_cny": "每户稳定脱贫成本（元）",
            "transfer_dependent_share": "依赖转移性收入的脱贫比例",
            "exit_share_cum": "{year}年累计脱贫比例",
        },
        "optimiser_estimates": {
            "in": "{metric}（样本内）",
            "in_low": "{metric}（样本内5%）",
            "in_high": "{metric}（样本内95%）",
            "out": "{metric}（新随机数复核）",
            "out_low": "{metric}（复核5%）",
            "out_high": "{metric}（复核95%）",
        },
        "optimiser_variable": "{programme}：{setting}",
        "optimiser_variable_year": "{programme}：{year}年{setting}",
        "optimiser_settings": {
            "budget_cny": "预算（元）",
            "public_jobs": "公益性岗位数",
            "targeting": "瞄准顺序",
            "construction_start": "开工月份",
        },
        "programme_columns": {
            "spending": "{programme}支出（元）",
            "budget": "{programme}预算（元）",
            "unspent": "{programme}结余（元）",
            "given": "{programme}资金（元）",
        },
        "programme_names": {
            "education": "教育扶持",
            "employment": "就业扶贫",
            "health": "健康扶贫",
            "industry": "产业扶贫",
            "infrastructure": "基础设施",
            "microcredit": "扶贫小额信贷",
            "relocation": "易地搬迁和危房改造",
            "social_assistance": "低保兜底",
        },
        "scenario_names": {
            "baseline": "基线（无决定）",
            "decision_2016": "2016年决定",
            "transfers_only": "仅兜底（输血）",
            "development_first": "发展优先（造血）",
            "health_first": "健康扶贫优先",
            "relocation_heavy": "以搬迁为主",
            "poorest_first": "最贫困户优先",
            "nearest_to_line": "最接近标准户优先",
            "withdrawal_2018": "2018年撤出直接帮扶",
            "employment_goal": "2016年决定＋就业目标全额保障",
        },
        "targeting_names": {
            "as_scenario": "按情景设定",
            "nearest_to_line": "最接近标准户优先",
            "poorest_first": "最贫困户优先",
            "cause_matched": "因户施策",
            "village_plan": "计划摘帽村优先",
            "random": "随机",
        },
        "cause_names": {
            "illness": "因病",
            "disability": "因残",
            "lack_of_labour": "缺劳力",
            "lack_of_funds": "缺资金",
            "lack_of_skills": "缺技术",
            "schooling": "因学",
            "disaster": "因灾",
            "other": "其他",
            "none": "未登记",
        },
    },
}


def labels(lang: str) -> dict[str, Any]:
    """The label strings of ``lang`` (``en`` or ``zh``).

    Args:
        lang: the language.

    Raises:
        ValueError: an unknown language.
    """
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return LABELS[lang]


def name(kind: str, key: str, lang: str) -> str:
    """The display name of a programme, scenario, targeting order or cause (the key if it has none).

    Args:
        kind: ``programme_names``, ``scenario_names``, ``targeting_names`` or ``cause_names``.
        key: the identifier.
        lang: ``en`` or ``zh``.
    """
    return labels(lang)[kind].get(key, key)


def header(column: str, lang: str = "zh") -> str:
    """The header of a table column in ``lang`` (the column name where there is none).

    Args:
        column: a column of the yearly, ledger, at-risk, programme, village or calibration table.
        lang: ``zh`` or ``en``.
    """
    text = labels(lang)
    if column in text["columns"]:
        return text["columns"][column]
    match = PROGRAMME_COLUMN.fullmatch(column)
    if match:
        return text["programme_columns"][match[1]].format(programme=name("programme_names", match[2], lang))
    estimate = OPTIMISER_ESTIMATE.fullmatch(column)
    if estimate:
        suffix = "_".join(part for part in estimate.groups()[1:] if part)
        return text["optimiser_estimates"][suffix].format(metric=optimiser_metric(estimate[1], lang))
    variable = OPTIMISER_VARIABLE.fullmatch(column)
    if variable:
        programme, setting, year = variable.groups()
        template = text["optimiser_variable_year" if year else "optimiser_variable"]
        setting_name = text["optimiser_settings"].get(setting, setting)
        return template.format(programme=name("programme_names", programme, lang), setting=setting_name, year=year)
    return optimiser_metric(column, lang)


def optimiser_metric(metric: str, lang: str = "zh") -> str:
    """The name of a metric of an optimise file (``p_exit_target_2016``), the metric itself if unknown.

    Args:
        metric: the metric's name, its years included.
        lang: ``zh`` or ``en``.
    """
    match = OPTIMISER_METRIC.fullmatch(metric)
    template = labels(lang)["optimiser_metrics"].get(match[1]) if match else None
    if template is None:
        return metric
    years = match[2].split("_")[1:]
    return template.format(year=years[0], last=years[-1]) if years else template


def page_language(default: str = "en") -> str:
    """The language a dashboard page was opened in: ``?lang=zh`` or ``?lang=en`` in its address.

    Voila hands a page's query string to its kernel as ``QUERY_STRING``; a notebook run
    any other way (Jupyter, papermill, nbval) has none and keeps ``default``.

    Args:
        default: the language without (or with an unknown) ``lang`` in the address.
    """
    asked = parse_qs(os.environ.get("QUERY_STRING", "")).get("lang", [default])[0]
    return asked if asked in LANGUAGES else default
