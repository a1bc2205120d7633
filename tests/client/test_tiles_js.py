"""The height a tile is said to have in `media_view` (`static/tiles.js`, docs/protocol.md): its
device pixels rounded up to a step, the largest step for anything taller, 0 for one not laid out.
Run by Node on the module the page loads."""

import json
import subprocess
from pathlib import Path

from tests.client.test_state_js import static_as_modules

HEIGHT_STEPS = """
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const { heightStep } = await import(pathToFileURL(process.argv[1]).href);
process.stdout.write(JSON.stringify(JSON.parse(readFileSync(0, "utf-8")).map(heightStep)));
"""

# Device pixels (a video's CSS height times devicePixelRatio) and the step each is said as.
STEPS = {
    0: 0,
    -1: 0,
    0.4: 90,
    1: 90,
    90: 90,
    90.5: 180,
    120: 180,
    180: 180,
    240: 360,
    360: 360,
    361: 720,
    720: 720,
    900: 1080,
    1080: 1080,
    1081: 1080,
    2160: 1080,
}


def test_a_height_is_said_in_the_step_that_covers_it(tmp_path: Path) -> None:
    node, static = static_as_modules(tmp_path)
    done = subprocess.run(
        [node, "--input-type=module", "-e", HEIGHT_STEPS, str(static / "tiles.js")],
        input=json.dumps(list(STEPS)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert dict(zip(STEPS, json.loads(done.stdout), strict=True)) == STEPS
