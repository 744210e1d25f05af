"""The production stack on one machine's loopback, started and stopped the same way every time (scripts/stack.sh).

``up`` starts an Oxigraph server (``oxigraph serve``, union default graph, its own query time limit), loads the
current build into it with ``hub publish``, starts ``hub serve`` on it (``HUB_STORE``, one process per core) and
nginx in front (configuration rendered by :mod:`hub.deploy`); each runs in its own process group, its pid in the
stack's run folder (``.run/stack-<port>/``), its output in ``logs/`` there. ``down`` stops exactly those groups
and waits until nothing of them runs or listens. ``publish`` loads the current build into the running stack's
store again: after ``hub build`` swapped in a new build (nginx and the hub follow the ``build`` link by
themselves) this is the one step left of an update, and no request fails meanwhile (tests/test_stack.py).
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hub.config import REPO_DIR, Settings, settings
from hub.deploy import BROTLI_MODULE, DEFAULT_SITE_URL, Site, is_local, nginx_local, nginx_site, workers_for_cores

BIN = Path(sys.executable).parent  # the venv's hub and oxigraph commands
RUNS = REPO_DIR / ".run"
DEFAULT_PORT = 8080
PIECES = ("nginx", "hub", "oxigraph")  # stopped in this order: the front first, the store last
NGINX_PATHS = ("/usr/sbin/nginx", "/usr/local/sbin/nginx")


class StackError(RuntimeError):
    """A stack that cannot start or stop, with what to do about it: one line on stderr, exit code 1."""


def run_dir(port: int) -> Path:
    return RUNS / f"stack-{port}"


# ---------------------------------------------------------------- checks before anything starts


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in NGINX_PATHS if os.access(p, os.X_OK)), None)
    if not found:
        raise StackError("nginx is not installed: run ./scripts/setup.sh (as root it installs Debian's nginx)")
    return found


def _tool(name: str) -> str:
    path = BIN / name
    if not path.is_file():
        raise StackError(f"{path} is missing: run ./scripts/setup.sh")
    return str(path)


def check_port(port: int, what: str, option: str) -> None:
    """Fail now, naming the option to change, when something already listens on the port."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise StackError(
                f"port {port} ({what}) is taken: stop what uses it, or choose another with {option}"
            ) from None


def check_build(cfg: Settings) -> dict:
    manifest = cfg.build_dir / "manifest.json"
    missing = [p for p in (manifest, cfg.build_dir / "graph.nq", cfg.site_dir / "index.html") if not p.is_file()]
    if missing:
        raise StackError(f"no complete build at {cfg.build_dir} ({missing[0].name} is missing): run `hub build`")
    return json.loads(manifest.read_text(encoding="utf-8"))


def site_url_for(manifest: dict, wanted: str | None, local: bool) -> str:
    """The public URL the stack serves: the build's links must point at it, and only a local stack may be local."""
    built = str(manifest.get("site_url") or DEFAULT_SITE_URL).rstrip("/")
    url = (wanted or built).rstrip("/")
    if url != built:
        raise StackError(f"this build's links point at {built}, not {url}: rebuild with `HUB_SITE_URL={url} hub build`")
    if is_local(url) and not local:
        raise StackError(
            f"the build's links point at {url}, which works for nobody else: build with "
            "HUB_SITE_URL=<public URL> and pass --site-url, or pass --local for a stack on this machine only"
        )
    return url


# ---------------------------------------------------------------- processes


def _start(name: str, args: list[str], folder: Path, env: dict[str, str] | None = None) -> int:
    """A piece in its own process group (so ``down`` stops it and its children), output to ``logs/<name>.log``."""
    with open(folder / "logs" / f"{name}.log", "ab") as log:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            cwd=REPO_DIR,
        )
    (folder / f"{name}.pid").write_text(str(proc.pid), encoding="utf-8")
    return proc.pid


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs (zombies do not count: their parent may be gone)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _wait_http(url: str, pid: int, name: str, folder: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if not _group_alive(pid):
            raise StackError(f"{name} stopped while starting: see {folder / 'logs' / (name + '.log')}")
        if time.monotonic() > deadline:
            raise StackError(f"{name} did not answer {url} in {timeout_s:.0f} s: see {folder / 'logs'}")
        time.sleep(0.2)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def publish(state: dict) -> str:
    """``hub publish`` of the stack's build into its store; returns what it printed."""
    env = {**os.environ, "HUB_BUILD": state["build"], "HUB_STORE": state["store_query"]}
    done = subprocess.run(
        [_tool("hub"), "publish", "--to", state["store_gsp"], "--query-url", state["store_query"]],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise StackError(f"hub publish failed: {done.stderr.strip()[-500:]}")
    return done.stderr.strip()


def up(
    port: int,
    hub_port: int,
    store_port: int,
    site_url: str | None,
    local: bool,
    workers: int,
) -> dict:
    """Start the stack; on any failure stop what was started and raise :class:`StackError`."""
    cfg = settings()
    folder = run_dir(port)
    if (folder / "state.json").is_file() and any(_pid_alive(folder, n) for n in PIECES):
        raise StackError(f"a stack already runs on port {port}: scripts/stack.sh down --port {port}")
    nginx, oxigraph, hub = nginx_binary(), _tool("oxigraph"), _tool("hub")
    url = site_url_for(check_build(cfg), site_url, local)
    pieces = ((port, "nginx", "--port"), (hub_port, "hub", "--hub-port"), (store_port, "oxigraph", "--store-port"))
    for p, what, option in pieces:
        check_port(p, what, option)
    if len({port, hub_port, store_port}) < 3:
        raise StackError("--port, --hub-port and --store-port must differ")
    shutil.rmtree(folder, ignore_errors=True)
    for sub in ("logs", "oxigraph", "nginx-tmp"):
        (folder / sub).mkdir(parents=True)
    state = {
        "port": port,
        "url": f"http://127.0.0.1:{port}/",
        "site_url": url,
        "build": str(cfg.build_dir),
        "hub_port": hub_port,
        "store_port": store_port,
        "store_query": f"http://127.0.0.1:{store_port}/query",
        "store_gsp": f"http://127.0.0.1:{store_port}/store",
        "workers": workers,
        "logs": str(folder / "logs"),
    }
    (folder / "state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
    try:
        store = [oxigraph, "serve", "--location", str(folder / "oxigraph"), "--bind", f"127.0.0.1:{store_port}"]
        store += ["--union-default-graph", "--timeout-s", f"{cfg.sparql_timeout_s:g}"]
        pid = _start("oxigraph", store, folder)
        _wait_http(f"{state['store_query']}?query=ASK%7B%7D", pid, "oxigraph", folder, 60)
        publish(state)
        env = {**os.environ, "HUB_STORE": state["store_query"], "HUB_SITE_URL": url, "HUB_BUILD": state["build"]}
        hub_args = [hub, "serve", "--host", "127.0.0.1", "--port", str(hub_port), "--workers", str(workers)]
        pid = _start("hub", hub_args, folder, env)
        _wait_http(f"http://127.0.0.1:{hub_port}/healthz", pid, "hub", folder, 300)
        brotli = BROTLI_MODULE.is_file()
        site = Site(
            listen=f"127.0.0.1:{port}",
            server_name="_",
            site_dir=cfg.site_dir,
            hub_port=hub_port,
            access_log=folder / "logs" / "nginx-access.log",
            site_url=url,
            brotli=brotli,
        )
        (folder / "hub-site.conf").write_text(nginx_site(site, cfg), encoding="utf-8")
        user = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None  # workers read the build as we do
        conf = folder / "nginx.conf"
        conf.write_text(nginx_local(folder, folder / "logs", brotli, user), encoding="utf-8")
        error_log = str(folder / "logs" / "nginx-error.log")
        test = subprocess.run([nginx, "-t", "-q", "-c", str(conf), "-e", error_log], capture_output=True, text=True)
        if test.returncode != 0:
            raise StackError(f"nginx refused its configuration ({conf}): {test.stderr.strip()[-500:]}")
        pid = _start("nginx", [nginx, "-c", str(conf), "-e", error_log, "-g", "daemon off;"], folder)
        _wait_http(f"http://127.0.0.1:{port}/healthz", pid, "nginx", folder, 30)
    except BaseException:
        down(port, quiet=True)
        raise
    return state


def _pid_alive(folder: Path, name: str) -> bool:
    file = folder / f"{name}.pid"
    return file.is_file() and _group_alive(int(file.read_text()))


def down(port: int, quiet: bool = False) -> list[str]:
    """Stop the process groups ``up`` started (pid files), wait until they are gone and their ports are free."""
    folder = run_dir(port)
    state_file = folder / "state.json"
    if not state_file.is_file():
        if quiet:
            return []
        raise StackError(f"no stack runs on port {port}: already stopped, or never started ({state_file} is missing)")
    state = json.loads(state_file.read_text(encoding="utf-8"))
    stopped = []
    for name in PIECES:
        file = folder / f"{name}.pid"
        if not file.is_file():
            continue
        pgid = int(file.read_text())
        if _group_alive(pgid):
            os.killpg(pgid, signal.SIGQUIT if name == "nginx" else signal.SIGTERM)  # nginx: finish, then stop
            deadline = time.monotonic() + 30
            while _group_alive(pgid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _group_alive(pgid):
                os.killpg(pgid, signal.SIGKILL)
                while _group_alive(pgid):
                    time.sleep(0.1)
            stopped.append(name)
        file.unlink(missing_ok=True)
    ports = [state["port"], state["hub_port"], state["store_port"]]
    deadline = time.monotonic() + 10
    while any(_listening(p) for p in ports):
        if time.monotonic() > deadline:
            busy = [p for p in ports if _listening(p)]
            raise StackError(f"stopped the stack, but something still listens on {busy}")
        time.sleep(0.1)
    state_file.unlink()
    shutil.rmtree(folder / "oxigraph", ignore_errors=True)
    shutil.rmtree(folder / "nginx-tmp", ignore_errors=True)
    return stopped


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="scripts/stack.sh", description="The production stack on this machine.")
    sub = ap.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="start nginx, hub serve and an Oxigraph server over the current build")
    p_down = sub.add_parser("down", help="stop what `up` started")
    p_pub = sub.add_parser("publish", help="load the current build into the running stack's store (after hub build)")
    for p in (p_up, p_down, p_pub):
        p.add_argument("--port", type=int, default=DEFAULT_PORT, help="nginx's port (default 8080)")
    p_up.add_argument("--hub-port", type=int, help="hub serve's port (default: --port + 1)")
    p_up.add_argument("--store-port", type=int, help="the Oxigraph server's port (default: --port + 2)")
    p_up.add_argument("--site-url", help="the public URL the build was made for (HUB_SITE_URL of `hub build`)")
    p_up.add_argument("--local", action="store_true", help="allow a build whose links point at this machine")
    p_up.add_argument("--workers", type=int, default=workers_for_cores(), help="hub serve processes (default: cores)")
    args = ap.parse_args(argv)
    try:
        if args.command == "up":
            state = up(
                args.port,
                args.hub_port or args.port + 1,
                args.store_port or args.port + 2,
                args.site_url,
                args.local,
                args.workers,
            )
            print(
                f"stack up: {state['url']} (links: {state['site_url']}; hub on :{state['hub_port']} with "
                f"{state['workers']} workers, store on :{state['store_port']})\nlogs: {state['logs']}\n"
                f"stop: scripts/stack.sh down --port {args.port}"
            )
        elif args.command == "down":
            stopped = down(args.port)
            print(f"stack on port {args.port} down (stopped {', '.join(stopped) or 'nothing: it had ended'})")
        else:
            state_file = run_dir(args.port) / "state.json"
            if not state_file.is_file():
                raise StackError(f"no stack runs on port {args.port}: scripts/stack.sh up --port {args.port}")
            print(publish(json.loads(state_file.read_text(encoding="utf-8"))))
    except StackError as exc:
        print(f"stack: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
