"""A shaped link on this machine: a network namespace behind a veth pair, for a browser on a weak
or UDP-less network. Nothing leaves the machine: the namespace reaches only the root-side end of
its veth pair (10.77.N.1), an address of this machine.

`shaped_link(Shape(...))` makes a namespace `plenum-<pid>-<N>` with `10.77.N.2/30` inside and
`10.77.N.1/30` outside, and shapes what crosses it:
- a rate, with `tc tbf` on the outer end's egress (the namespace's download) and on the inner
  end's egress (its upload);
- random loss of the UDP that arrives in the namespace, with nftables (`numgen random mod 100`),
  counted, so a test can show the loss was real;
- no outgoing UDP at all (a network that lets only TCP out, as for a TURN test), counted too.

No delay: this kernel has no `sch_netem` (tc says "Specified qdisc kind is unknown"), and a fixed
delay for media would need a user-space UDP relay in the path of every ICE candidate; the tests
here shape rate and loss, which is what freezes a weak subscriber's video.

Root and the `ip`, `tc` and `nft` commands are needed; without them the test is skipped, saying
what was missing. Teardown is in `finally`; a namespace or veth left by a process that died (a
crashed or killed test) is deleted at the next start.
"""

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

CHROMIUM = "/usr/bin/chromium"
SUBNETS = 256
# The queue tbf keeps before it drops: a home router's buffer, not a bufferbloated one.
TBF_BURST = "16kb"
TBF_LATENCY = "50ms"
_NAMESPACE = re.compile(r"^plenum-(\d+)-(\d+)$")
_VETH = re.compile(r"^plenum(\d+)$")
_TABLE = "plenum"


@dataclass(frozen=True)
class Shape:
    """What the link does; the defaults leave it unshaped."""

    down_kbit: int | None = None
    up_kbit: int | None = None
    # Of the UDP packets that arrive in the namespace, this percentage is dropped at random.
    loss_percent: int = 0
    # No UDP leaves the namespace (TCP still does).
    block_udp_out: bool = False

    def __post_init__(self) -> None:
        for name in ("down_kbit", "up_kbit"):
            rate = getattr(self, name)
            if rate is not None and rate <= 0:
                raise ValueError(f"Shape.{name}={rate}: a rate must be more than 0 kbit/s")
        if not 0 <= self.loss_percent < 100:
            raise ValueError(f"Shape.loss_percent={self.loss_percent}: expected 0 to 99")


class PlenumEnv(TypedDict):
    PLENUM_ICE_HOST_ADDRESSES: str


@dataclass(frozen=True)
class ShapedLink:
    namespace: str
    outside: str  # this machine's end (10.77.N.1): what the namespace can reach
    inside: str  # the namespace's own address (10.77.N.2)
    veth: str  # the outer end, in the root namespace
    chromium: Path  # Chromium started inside the namespace, for Playwright's executable_path

    def plenum_env(self) -> "PlenumEnv":
        """Settings for a Plenum on `outside` (its `host`) that the namespace reaches for media too:
        ICE host candidates on loopback and on the veth."""
        return PlenumEnv(PLENUM_ICE_HOST_ADDRESSES=f"127.0.0.1,{self.outside}")

    def run(self, argv: Sequence[str], input: str | None = None) -> str:
        """Run a command inside the namespace; its output (it must succeed)."""
        return _run(["ip", "netns", "exec", self.namespace, *argv], input)

    def dropped(self) -> int:
        """UDP packets dropped by the random loss so far."""
        return self._counted("lossy")

    def rate_dropped(self) -> int:
        """Packets the download's rate limit dropped so far (its queue was full)."""
        listing = _run(["tc", "-s", "qdisc", "show", "dev", self.veth])
        found = re.search(r"dropped (\d+)", listing)
        if found is None:
            raise AssertionError(f"no tbf statistics on {self.veth}:\n{listing}")
        return int(found.group(1))

    def blocked(self) -> int:
        """Outgoing UDP packets refused so far."""
        return self._counted("no_udp_out")

    def _counted(self, chain: str) -> int:
        listing = self.run(["nft", "list", "chain", "inet", _TABLE, chain])
        found = re.search(r"counter packets (\d+)", listing)
        if found is None:
            raise AssertionError(f"no counter in the namespace's chain {chain}:\n{listing}")
        return int(found.group(1))


def missing_tools() -> list[str]:
    """What this machine lacks for a shaped link: root, or one of the commands."""
    missing = [] if os.geteuid() == 0 else ["root"]
    missing += [tool for tool in ("ip", "tc", "nft") if shutil.which(tool) is None]
    if not Path(CHROMIUM).exists():
        missing.append(CHROMIUM)
    return missing


def skip_unless_shapeable(*tools: str) -> None:
    """Skip the test unless a shaped link can be made here, and `tools` are installed."""
    missing = missing_tools() + [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        import pytest  # here: the benchmarks use this module too, without pytest

        pytest.skip(
            f"a shaped link needs {', '.join(missing)} (scripts/test installs them as root)"
        )


@contextmanager
def shaped_link(shape: Shape) -> Iterator[ShapedLink]:
    skip_unless_shapeable()
    _delete_leftovers()
    n, veth = _claim_subnet()
    namespace = f"plenum-{os.getpid()}-{n}"
    folder = Path(tempfile.mkdtemp(prefix=f"{namespace}-"))
    try:
        _run(["ip", "netns", "add", namespace])
        link = ShapedLink(
            namespace, f"10.77.{n}.1", f"10.77.{n}.2", veth, folder / "chromium-in-namespace"
        )
        _run(["ip", "link", "set", f"{veth}in", "netns", namespace])
        _run(["ip", "addr", "add", f"{link.outside}/30", "dev", veth])
        _run(["ip", "link", "set", veth, "up"])
        link.run(["ip", "link", "set", "lo", "up"])
        link.run(["ip", "addr", "add", f"{link.inside}/30", "dev", f"{veth}in"])
        link.run(["ip", "link", "set", f"{veth}in", "up"])
        if shape.down_kbit is not None:
            _run(["tc", "qdisc", "add", "dev", veth, "root", *_tbf(shape.down_kbit)])
        if shape.up_kbit is not None:
            link.run(["tc", "qdisc", "add", "dev", f"{veth}in", "root", *_tbf(shape.up_kbit)])
        link.run(["nft", "-f", "-"], input=_rules(shape))
        # Playwright talks to Chromium over two inherited pipes (fds 3 and 4): `ip netns exec`
        # keeps them open across the namespace switch.
        link.chromium.write_text(f'#!/bin/sh\nexec ip netns exec {namespace} {CHROMIUM} "$@"\n')
        link.chromium.chmod(0o755)
        yield link
    finally:
        # Deleting the namespace destroys the inner end, and with it the pair.
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", veth], capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _tbf(kbit: int) -> list[str]:
    return ["tbf", "rate", f"{kbit}kbit", "burst", TBF_BURST, "latency", TBF_LATENCY]


def _rules(shape: Shape) -> str:
    # Both chains always exist, with a counter each, so a test reads 0 rather than an error;
    # unless UDP is blocked, the second one's rule asks for a mark no packet has.
    loss = f"meta l4proto udp numgen random mod 100 < {shape.loss_percent}"
    block = "meta l4proto udp" if shape.block_udp_out else "meta l4proto udp meta mark 0xdead"
    return (
        f"table inet {_TABLE} {{\n"
        f"  chain lossy {{ type filter hook input priority 0; policy accept;\n"
        f"    {loss} counter drop\n  }}\n"
        f"  chain no_udp_out {{ type filter hook output priority 0; policy accept;\n"
        f"    {block} counter drop\n  }}\n"
        "}\n"
    )


def _claim_subnet() -> tuple[int, str]:
    """A free 10.77.N.0/30, claimed by creating its veth pair `plenumN`/`plenumNin`: creating a
    link is atomic, so two processes never claim the same N."""
    start = os.getpid() % SUBNETS
    for i in range(SUBNETS):
        n = (start + i) % SUBNETS
        veth = f"plenum{n}"
        made = subprocess.run(
            ["ip", "link", "add", veth, "type", "veth", "peer", "name", f"{veth}in"],
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode == 0:
            # Whose it is, for the cleanup of a process that dies before its namespace exists.
            _run(["ip", "link", "set", "dev", veth, "alias", f"plenum-{os.getpid()}-{n}"])
            return n, veth
        if "exists" not in made.stderr:
            raise RuntimeError(f"ip link add {veth}: {made.stderr.strip()}")
    raise RuntimeError(f"all {SUBNETS} subnets 10.77.N.0/30 are taken by live processes")


def _delete_leftovers() -> None:
    for line in _run(["ip", "netns", "list"]).splitlines():
        name = line.split()[0] if line.split() else ""
        found = _NAMESPACE.match(name)
        if found and not _alive(int(found.group(1))):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
    for line in _run(["ip", "-o", "link", "show"]).splitlines():
        parts = line.split(":")
        name = parts[1].strip().split("@")[0] if len(parts) > 1 else ""
        alias = re.search(r"alias plenum-(\d+)-\d+", line)
        if _VETH.match(name) and alias and not _alive(int(alias.group(1))):
            subprocess.run(["ip", "link", "del", name], capture_output=True, check=False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run(argv: Sequence[str], input: str | None = None) -> str:
    done = subprocess.run(list(argv), input=input, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {done.returncode}: {done.stderr.strip()}")
    return done.stdout
