"""The HTML report of a run (``<out>/report/index.html``) and the terminal view of one article."""
from .site import write_report

__all__ = ["write_report"]
