"""The production configuration as rendered from deploy/ (hub/deploy.py): what nginx and systemd are told.

Fast checks of the rendered text, and `nginx -t` on it where nginx is installed; tests/test_stack.py runs it."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hub import deploy
from hub.api.guard import content_security_policy
from hub.config import Settings
from hub.stack import StackError, check_port, nginx_binary, site_url_for

from helpers import free_port

PUBLIC = "https://hub.example.org"


def site(tmp_path: Path, site_url: str = PUBLIC, brotli: bool = False) -> deploy.Site:
    return deploy.Site(
        listen="127.0.0.1:8080",
        server_name="hub.example.org",
        site_dir=tmp_path / "build" / "site",
        hub_port=8000,
        access_log=tmp_path / "access.log",
        site_url=site_url,
        brotli=brotli,
    )


def test_the_site_limits_by_the_address_nginx_saw_and_overwrites_x_forwarded_for(tmp_path: Path) -> None:
    cfg = Settings(rate_per_minute=90, rate_burst=7)
    text = deploy.nginx_site(site(tmp_path), cfg)
    assert re.findall(r"limit_req_zone (\S+) zone=hub_(\w+):10m rate=(\S+);", text) == [
        ("$binary_remote_addr", "search", "90r/m"),
        ("$binary_remote_addr", "sparql", "90r/m"),
    ]
    assert text.count("burst=7 nodelay") == 2 and "limit_req_status 429;" in text
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text and "proxy_add_x_forwarded_for" not in text
    assert "server_tokens off;" in text and "escape=json" in text and "gzip on;" in text
    assert "brotli" not in text  # only where the module is
    for path in ("/api/", "/sparql", "/download/", "/docs", "= /openapi.json", "= /healthz"):
        assert re.search(rf"location {re.escape(path)} \{{ proxy_pass http://hub; \}}", text), path
    off = deploy.nginx_site(site(tmp_path, brotli=True), dataclasses.replace(cfg, rate_per_minute=0))
    assert "limit_req" not in off and "brotli on;" in off


def test_security_headers_are_the_hubs_and_only_on_what_nginx_serves_itself(tmp_path: Path) -> None:
    text = deploy.nginx_site(site(tmp_path), Settings(rate_per_minute=60))
    assert f'add_header Content-Security-Policy "{content_security_policy()}" always;' in text
    assert "Strict-Transport-Security" in text  # an https site
    assert "Strict-Transport-Security" not in deploy.nginx_site(site(tmp_path, "http://127.0.0.1:8080"), Settings())
    blocks = re.findall(r"location [^{]+\{[^}]*\}", text)
    proxied = [b for b in blocks if "proxy_pass" in b]
    served = [b for b in blocks if "proxy_pass" not in b]
    assert len(proxied) == 8 and len(served) == 4  # /, /static/, /404.html and nginx's own 429 answer
    assert all("Content-Security-Policy" in b for b in served)
    assert not any("add_header" in b for b in proxied)  # the hub's answers carry its own headers, once


def test_units_are_hardened_and_point_the_hub_at_the_store(tmp_path: Path) -> None:
    cfg = Settings(build_dir=tmp_path / "build", site_url=PUBLIC)
    units = deploy.units(cfg, user="hub", store_user="oxigraph", hub_port=8000, store_port=7878, workers=2)
    hub, store = units["hub-serve.service"], units["oxigraph.service"]
    for unit in (hub, store):
        for line in ("NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "CapabilityBoundingSet="):
            assert line in unit.splitlines()
        assert "ReadOnlyPaths=" in unit and "{{" not in unit
    assert "User=hub" in hub and "User=oxigraph" in store and "ReadWritePaths=/var/lib/oxigraph" in store
    assert "Environment=HUB_STORE=http://127.0.0.1:7878/query" in hub and f"HUB_SITE_URL={PUBLIC}" in hub
    assert "--workers 2" in hub and "--union-default-graph" in store and "--bind 127.0.0.1:7878" in store


def test_host_rendering_refuses_a_local_site_url(tmp_path: Path) -> None:
    env = {"HUB_SITE_URL": "http://127.0.0.1:8000", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "hub.deploy", "--out", str(tmp_path)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2 and "public address" in done.stderr and not list(tmp_path.iterdir())
    env["HUB_SITE_URL"] = PUBLIC
    done = subprocess.run(
        [sys.executable, "-m", "hub.deploy", "--out", str(tmp_path)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hub-serve.service", "hub-site.conf", "oxigraph.service"]
    assert "server_name hub.example.org;" in (tmp_path / "hub-site.conf").read_text()


def test_the_stack_checks_its_site_url_and_ports() -> None:
    assert site_url_for({"site_url": PUBLIC}, None, local=False) == PUBLIC
    assert site_url_for({}, None, local=True) == deploy.DEFAULT_SITE_URL
    with pytest.raises(StackError, match="--local"):
        site_url_for({}, None, local=False)
    with pytest.raises(StackError, match="HUB_SITE_URL=https://other.example.org hub build"):
        site_url_for({"site_url": PUBLIC}, "https://other.example.org", local=False)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(StackError, match=rf"port {s.getsockname()[1]} \(hub\) is taken.*--hub-port"):
            check_port(s.getsockname()[1], "hub", "--hub-port")
    check_port(free_port(), "hub", "--hub-port")


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(), reason="no nginx")
@pytest.mark.parametrize("site_url", [PUBLIC, "http://127.0.0.1:8080"])
def test_nginx_accepts_the_rendered_configuration(tmp_path: Path, site_url: str) -> None:
    (tmp_path / "build" / "site").mkdir(parents=True)
    (tmp_path / "hub-site.conf").write_text(
        deploy.nginx_site(site(tmp_path, site_url, brotli=deploy.BROTLI_MODULE.is_file()), Settings())
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(deploy.nginx_local(tmp_path, tmp_path, deploy.BROTLI_MODULE.is_file(), None))
    (tmp_path / "nginx-tmp").mkdir()
    done = subprocess.run(
        [nginx_binary(), "-t", "-c", str(conf), "-e", str(tmp_path / "error.log")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_build_for_a_public_address_never_links_to_this_machine(mini: Settings) -> None:
    """HUB_SITE_URL at build time: canonical links, the sitemap, robots.txt, practices.csv and dataset.ttl use it,
    the manifest records it, and the stack accepts that build for that address without --local."""
    from hub.build import build

    cfg = dataclasses.replace(mini, site_url=PUBLIC)
    build(cfg)
    manifest = json.loads((cfg.build_dir / "manifest.json").read_text())
    assert manifest["site_url"] == PUBLIC and site_url_for(manifest, PUBLIC, local=False) == PUBLIC
    pages = list(cfg.site_dir.rglob("*.html"))
    canonical = [re.search(r'<link rel="canonical" href="([^"]+)"', p.read_text()) for p in pages]
    assert len(pages) > 10 and all(m and m.group(1).startswith(f"{PUBLIC}/") for m in canonical if m)
    assert sum(1 for m in canonical if m) >= len(pages) - 1  # every page but the 404 page
    locs = re.findall(r"<loc>([^<]+)</loc>", (cfg.site_dir / "sitemap.xml").read_text())
    assert locs and all(loc.startswith(f"{PUBLIC}/") for loc in locs)
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in (cfg.site_dir / "robots.txt").read_text()
    rows = list(csv.DictReader(io.StringIO((cfg.build_dir / "practices.csv").read_text(encoding="utf-8-sig"))))
    assert rows and all(r["page"].startswith(f"{PUBLIC}/practices/") for r in rows)
    assert f"<{PUBLIC}/sparql>" in (cfg.build_dir / "dataset.ttl").read_text()
    local_guide = cfg.site_dir / "contributing" / "index.html"  # how to preview on one's own machine: meant local
    for file in [*cfg.site_dir.rglob("*"), cfg.build_dir / "practices.csv", cfg.build_dir / "dataset.ttl"]:
        if file.is_file() and file.suffix in (".html", ".xml", ".txt", ".csv", ".ttl", ".json") and file != local_guide:
            assert "127.0.0.1" not in file.read_text(encoding="utf-8"), file
