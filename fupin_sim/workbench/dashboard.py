"""The dashboard site: a front page that links every page, and the Voila server that opens on it.

``make dashboard`` runs ``python -m fupin_sim.workbench.dashboard notebooks …`` (Voila's own
options): Voila serves the notebooks without their code, and its address opens on the front
page (``notebooks/00_start.ipynb``), not on Voila's list of files. Every link carries the
language chosen on the front page (``?lang=zh``), which each page reads with
:func:`fupin_sim.workbench.labels.page_language`.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

from fupin_sim.workbench.labels import LANGUAGES, labels
from fupin_sim.workbench.reply_polling import poll_replies_in_slices

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
FRONT_PAGE = "00_start.ipynb"
PAGES = {  # page → its notebook, in the order the front page lists them
    "compare": "02_compare_scenarios.ipynb",
    "budgets": "03_budget_tuning.ipynb",
    "optimise": "06_optimise.ipynb",
    "risk": "04_return_risk.ipynb",
    "plans": "07_plans.ipynb",
    "calibration": "05_calibration.ipynb",
}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
FRONT_PAGE_CLASS = "fupin-front-page"
# Each page runs its notebook in a kernel of its own (the budget page with a pool of worker
# processes). Voila stops it when the page is closed; one whose page went away without saying
# so (a browser killed, a laptop asleep) would hold its memory until Voila stops. Kernels idle
# this long (seconds) with no page connected are stopped; an option given on the command line wins.
KERNEL_CULLING = {"--MappingKernelManager.cull_idle_timeout": 600, "--MappingKernelManager.cull_interval": 60}


def available_pages(notebook_dir: Path = NOTEBOOK_DIR) -> dict[str, str]:
    """The pages whose notebook is there, page → notebook file name.

    Args:
        notebook_dir: the folder the notebooks are served from.
    """
    return {page: notebook for page, notebook in PAGES.items() if (notebook_dir / notebook).exists()}


def front_page_html(lang: str = "en", notebook_dir: Path = NOTEBOOK_DIR) -> str:
    """The front page: what each page answers in two lines, with a link carrying the language.

    Args:
        lang: ``en`` or ``zh``.
        notebook_dir: the folder the notebooks are served from (a page without its notebook is
            listed without a link).
    """
    text = labels(lang)
    present = available_pages(notebook_dir)
    switch = " · ".join(
        f"<b>{LANGUAGE_NAMES[code]}</b>"
        if code == lang
        else f"<a href='{FRONT_PAGE}?lang={code}'>{LANGUAGE_NAMES[code]}</a>"
        for code in LANGUAGES
    )
    items = []
    for page in PAGES:
        title, answer = (html.escape(part) for part in text["pages"][page])
        if page in present:
            heading = f"<a href='{present[page]}?lang={lang}'>{title}</a>"
        else:
            heading = f"{title} <i>({html.escape(text['unavailable'])})</i>"
        items.append(f"<li style='margin-bottom:0.8em'><b style='font-size:1.15em'>{heading}</b><br>{answer}</li>")
    return (
        f"<div class='{FRONT_PAGE_CLASS}'>"
        f"<h1>{html.escape(text['front_title'])}</h1>"
        f"<p>{html.escape(text['language_choice'])}: {switch}</p>"
        f"<p>{html.escape(text['front_intro'])}</p>"
        f"<ul style='list-style:none;padding-left:0'>{''.join(items)}</ul></div>"
    )


def main(argv: list[str] | None = None) -> None:
    """Run Voila with the given arguments, its address redirected to the front page.

    Kernels idle for ten minutes with no page connected are stopped (:data:`KERNEL_CULLING`), and
    Voila's wait for each cell's reply checks its socket every second
    (:func:`~fupin_sim.workbench.reply_polling.poll_replies_in_slices`: a page could otherwise
    wait for good on a reply that had arrived).

    Args:
        argv: Voila's command-line arguments (default: ``sys.argv[1:]``), e.g. the notebook folder
            and ``--port``; they win over :data:`KERNEL_CULLING`.
    """
    from tornado.web import RedirectHandler
    from voila.app import Voila
    from voila.tornado.handler import TornadoVoilaHandler

    class PageHandler(TornadoVoilaHandler):
        """Voila's page handler that also sets the ``_xsrf`` cookie.

        A page closed in the browser asks Voila to stop its kernel with the cookie's value; without
        the cookie Voila refuses (403, voila-dashboards/voila#1458) and the kernel, with the budget
        page's worker processes, keeps its memory until Voila stops.
        """

        async def prepare(self) -> None:
            await super().prepare()
            self.xsrf_token  # noqa: B018  (tornado sets the cookie when the token is first read)

    class FrontPageVoila(Voila):
        """Voila whose root address opens the front page (with its query string) instead of the file
        list, and whose pages stop their kernel when closed (:class:`PageHandler`)."""

        def init_handlers(self) -> list:
            front = f"{self.server_url.rstrip('/')}/voila/render/{FRONT_PAGE}"
            handlers = [
                (pattern, PageHandler if handler is TornadoVoilaHandler else handler, *rest)
                for pattern, handler, *rest in super().init_handlers()
            ]
            return [(self.server_url, RedirectHandler, {"url": front}), *handlers]

    poll_replies_in_slices()
    FrontPageVoila.launch_instance(argv=with_kernel_culling(sys.argv[1:] if argv is None else argv))


def with_kernel_culling(argv: list[str]) -> list[str]:
    """``argv`` with each option of :data:`KERNEL_CULLING` it does not give itself put first.

    Args:
        argv: Voila's command-line arguments.
    """
    given = {argument.split("=", 1)[0] for argument in argv}
    return [f"{option}={value}" for option, value in KERNEL_CULLING.items() if option not in given] + list(argv)


if __name__ == "__main__":
    main()
