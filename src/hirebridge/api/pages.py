"""HireBridge's own HTML pages (the connect page, the operator dashboard): one shell, one style sheet,
the same response headers. Server-rendered, no external assets, nothing that needs JavaScript.

Every value shown goes through `esc` (html.escape); pages are `no-store` with a restrictive CSP
(inline styles only; scripts only where a page says so), never framed by another site's page.
"""

from __future__ import annotations

import hmac
import html
import secrets

from starlette.requests import Request
from starlette.responses import HTMLResponse

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f5f7;color:#1a1a1a;
line-height:1.5}
main{max-width:34rem;margin:2rem auto;background:#fff;padding:2rem;border-radius:8px;border:1px solid #d0d4da}
main.wide{max-width:72rem}
h1{font-size:1.4rem;margin-top:0}
h2{font-size:1.1rem;margin-top:1.5rem}
label{display:block;font-weight:600;margin-top:1rem}
input{display:block;width:100%;box-sizing:border-box;padding:.5rem;margin-top:.25rem;border:1px solid #6b7280;
border-radius:4px;font-size:1rem}
input:focus,button:focus,a:focus,summary:focus{outline:3px solid #1d4ed8;outline-offset:2px}
.help{color:#374151;font-size:.9rem;margin:.25rem 0 0}
button{margin-top:1.5rem;background:#1d4ed8;color:#fff;border:0;padding:.6rem 1.2rem;border-radius:4px;font-size:1rem;
cursor:pointer}
button.small{margin:0;padding:.3rem .7rem;font-size:.9rem}
button.danger{background:#b91c1c}
.error{background:#fef2f2;border:1px solid #b91c1c;color:#7f1d1d;padding:.75rem;border-radius:4px}
.ok{background:#ecfdf5;border:1px solid #047857;color:#064e3b;padding:.75rem;border-radius:4px}
ul.tools{list-style:none;padding:0}
ul.tools li{margin:.5rem 0}
ul.tools a{display:block;padding:.75rem;border:1px solid #6b7280;border-radius:4px;color:#1d4ed8;text-decoration:none;
font-weight:600}
code{word-break:break-all}
details{margin-top:1rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #d0d4da;vertical-align:top}
th{background:#f4f5f7}
nav.top{display:flex;gap:1rem;align-items:center;margin-bottom:1rem}
nav.top form{margin-left:auto}
.state-FAILED,.state-INVALID{color:#991b1b;font-weight:600}
.state-SUCCEEDED,.state-ACTIVE{color:#065f46;font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}
dd{margin:0}
form.inline{display:inline}
"""


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def page(
    title: str,
    body: str,
    *,
    status: int = 200,
    wide: bool = False,
    scripts: bool = False,
    frameable: bool = False,
) -> HTMLResponse:
    """A complete page. `scripts`: the page's own inline script may run; `frameable`: other sites may show
    it in a frame (the connect page, which an API user embeds); never the dashboard."""
    main_class = ' class="wide"' if wide else ""
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} - HireBridge</title><style>{STYLE}</style></head>"
        f'<body><main id="main"{main_class}>{body}</main></body></html>'
    )
    response = HTMLResponse(document, status_code=status)
    # Pages may hold secrets (a link token, an activation token): not cached, no referrer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    script_src = "'unsafe-inline'" if scripts else "'none'"
    ancestors = "*" if frameable else "'none'"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; script-src {script_src}; "
        f"frame-ancestors {ancestors}"
    )
    return response


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(request: Request, cookie: str, submitted: str) -> bool:
    """Double-submit check: the form's token equals the cookie's (which another site cannot read or set)."""
    expected = request.cookies.get(cookie, "")
    return bool(submitted) and hmac.compare_digest(submitted.encode(), expected.encode())
