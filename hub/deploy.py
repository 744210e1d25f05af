"""The production configuration of the hub, rendered from the templates in ``deploy/``: one renderer for both uses.

``scripts/stack.sh up`` (:mod:`hub.stack`) renders the nginx files for a stack on loopback; a person setting up a
real host renders the nginx site and the systemd units once (``python -m hub.deploy``, docs/deploy.md). The
values that must agree with the hub come from the hub itself, never typed twice: the rate limit
(``HUB_RATE_LIMIT``, ``HUB_RATE_BURST``), the request size limit and the security headers of
:mod:`hub.api.guard`, so nginx's static files carry the same policy as the API's answers.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from hub.api.guard import HEADERS, content_security_policy
from hub.config import REPO_DIR, Settings, settings

TEMPLATES = REPO_DIR / "deploy"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")  # Debian's libnginx-mod-http-brotli-*
DEFAULT_SITE_URL = "http://127.0.0.1:8000"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def render(name: str, **values: Any) -> str:
    """One template of ``deploy/`` with ``values``; a value the template needs and was not given is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # configuration files, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template(name).render(**values)


def workers_for_cores() -> int:
    """Server processes for this machine: one per core the process may use, at most 4 (each holds ~0.3 GB)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(4, cores))


def is_local(url: str) -> bool:
    """Whether a site URL points at this machine's loopback (links that work for nobody else)."""
    return (urlsplit(url).hostname or "") in {h.strip("[]") for h in LOCAL_HOSTS}


def security_headers(https: bool) -> list[tuple[str, str]]:
    """The headers hub.api.guard adds to the hub's answers, for the files nginx serves itself."""
    found = [*HEADERS.items(), ("content-security-policy", content_security_policy())]
    if https:
        found.append(("strict-transport-security", "max-age=31536000"))
    return [(name.title(), value) for name, value in found]


@dataclass(frozen=True)
class Site:
    """What the nginx site needs to know: where it listens, where the build is, where the hub is."""

    listen: str
    server_name: str
    site_dir: Path
    hub_port: int
    access_log: Path | str
    site_url: str
    brotli: bool = BROTLI_MODULE.is_file()

    def values(self, cfg: Settings) -> dict[str, Any]:
        rate = cfg.rate_per_minute
        return {
            "listen": self.listen,
            "server_name": self.server_name,
            "site_dir": self.site_dir,
            "hub_port": self.hub_port,
            "access_log": self.access_log,
            "brotli": self.brotli,
            "rate_per_minute": f"{rate:g}" if rate > 0 else "",
            "rate_burst": cfg.rate_burst,
            "retry_after": max(1, round(60 / rate)) if rate > 0 else 1,
            "max_body_kb": max(1, cfg.max_body_bytes // 1024),
            "security_headers": security_headers(self.site_url.startswith("https:")),
        }


def nginx_site(site: Site, cfg: Settings) -> str:
    """The nginx site file (``deploy/nginx-site.conf``): the part shared by the local stack and a real host."""
    return render("nginx-site.conf", **site.values(cfg))


def nginx_local(run_dir: Path, log_dir: Path, brotli: bool, user: str | None) -> str:
    """nginx's main file for the local stack: pid, logs and temporary files in the stack's own folders."""
    return render(
        "nginx-local.conf", run_dir=run_dir, log_dir=log_dir, brotli=brotli, brotli_module=BROTLI_MODULE, user=user
    )


def units(cfg: Settings, *, user: str, store_user: str, hub_port: int, store_port: int, workers: int) -> dict[str, str]:
    """The systemd units of a real host: ``hub-serve.service`` and ``oxigraph.service``."""
    values = {
        "user": user,
        "store_user": store_user,
        "repo_dir": REPO_DIR,
        "build_dir": cfg.build_dir,
        "cache_dir": cfg.cache_dir,
        "site_url": cfg.site_url,
        "hub_port": hub_port,
        "store_port": store_port,
        "store_timeout_s": f"{cfg.sparql_timeout_s:g}",
        "workers": workers,
    }
    return {name: render(name, **values) for name in ("hub-serve.service", "oxigraph.service")}


def main(argv: list[str] | None = None) -> None:
    """Render the host's files into a folder: ``python -m hub.deploy --out DIR`` (HUB_SITE_URL: the public URL)."""
    ap = argparse.ArgumentParser(description="Render the nginx site and the systemd units of a real host.")
    ap.add_argument("--out", type=Path, required=True, help="folder to write hub-site.conf and the two units into")
    ap.add_argument("--user", default="hub", help="the account hub-serve.service runs as")
    ap.add_argument("--store-user", default="oxigraph", help="the account oxigraph.service runs as")
    ap.add_argument("--hub-port", type=int, default=8000)
    ap.add_argument("--store-port", type=int, default=7878)
    ap.add_argument("--workers", type=int, default=workers_for_cores())
    args = ap.parse_args(argv)
    cfg = settings()
    if is_local(cfg.site_url):
        ap.error(f"HUB_SITE_URL is {cfg.site_url}: set it to the public address, e.g. https://hub.example.org")
    host = urlsplit(cfg.site_url).hostname or "_"
    site = Site(
        listen="80",
        server_name=host,
        site_dir=cfg.site_dir,
        hub_port=args.hub_port,
        access_log="/var/log/nginx/hub-access.log",
        site_url=cfg.site_url,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hub-site.conf").write_text(nginx_site(site, cfg), encoding="utf-8")
    files = units(
        cfg,
        user=args.user,
        store_user=args.store_user,
        hub_port=args.hub_port,
        store_port=args.store_port,
        workers=args.workers,
    )
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    print(f"wrote hub-site.conf, {', '.join(files)} into {args.out}")


if __name__ == "__main__":
    main()
