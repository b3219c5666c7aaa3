"`latentsync-nb preprocess` on a raw folder built from the corpus: reasons, counts, sync, resuming."
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
from scipy.signal import resample_poly

from latentsync_nb.data import load_manifest, read_audio, read_video
from latentsync_nb.inference import HaarFaceDetector
from latentsync_nb.preprocess import make_raw_folder, source_key
from latentsync_nb.syncnet import load_judge, sync_offsets

CLI = [sys.executable, "-m", "latentsync_nb.cli", "preprocess"]
REAL = Path(__file__).resolve().parents[2] / "shared" / "real_clips"


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    return make_raw_folder(tmp_path_factory.mktemp("raw"))


def _records(out: Path, step: str) -> dict:
    "Each finished item's record file of a step and when it was written."
    return {p.name: p.stat().st_mtime_ns for p in (out / ".work" / step).glob("*.json")}


def _killed_midway(raw: Path, out: Path) -> dict:
    "Start a 2-worker run, kill its whole process group once the faces step has finished an item."
    proc = subprocess.Popen(
        CLI + [str(raw), str(out), "--workers", "2", "--quiet"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 600
    while not _records(out, "faces") and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed midway"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "manifest.json").exists()
    return {step: _records(out, step) for step in ("read", "shots", "faces")}


@pytest.fixture(scope="module")
def run(raw, tmp_path_factory):
    "A run killed midway, then run again to the end: the records of before, the output and the report."
    out = tmp_path_factory.mktemp("prep")
    before = _killed_midway(raw, out)
    again = CLI + [str(raw), str(out), "--workers", "2", "--quiet"]
    done = subprocess.run(again, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return before, out, done.stdout.strip().splitlines()


def test_a_killed_run_resumes_without_redoing_finished_items(run):
    before, out, _ = run
    assert before["faces"], "nothing had finished when the run was killed"
    for step, records in before.items():
        after = _records(out, step)
        assert {n: after[n] for n in records} == records, f"{step}: finished items were redone"


def test_every_input_is_kept_or_dropped_for_its_own_reason(run):
    _, out, lines = run
    report = json.loads(lines[-1])
    reasons = {}
    for line in report["dropped"]:
        step, where, why = line.split(": ", 2)
        reasons.setdefault(where.split(" [")[0], set()).add(why.split(" (")[0])
    assert reasons.pop("talk show.mp4", {"out of sync"}) == {"out of sync"}  # one speaker: see 07a_preprocess
    assert reasons == {
        "corrupt.mp4": {"unreadable"},
        "short.mp4": {"too short"},
        "no_face.mp4": {"no face"},
        "two_faces.mp4": {"two faces"},
    }, report["dropped"]
    sources = {c.load_meta()["source"] for c in load_manifest(out)}
    assert sources == {"talk show.mp4", "délai 5 images.mp4"}


def test_the_report_counts_add_up(run):
    _, _, lines = run
    steps = json.loads(lines[-1])["steps"]
    names = list(steps)
    assert names == ["read", "shots", "faces", "sync", "quality", "write"]
    assert steps["read"]["entered"]["files"] == 6
    for a, b in zip(names, names[1:]):
        assert steps[a]["left"] == steps[b]["entered"], (a, b)
    for name, s in steps.items():
        unit = "files" if name in ("read", "shots") else "segments"
        left = s["left"]["files" if name == "shots" else unit]  # the shots step turns files into segments
        assert s["entered"][unit] - left == sum(s["dropped"].values())
    # the talk show's three speakers, the late clip, the faceless video, the two faces
    assert steps["shots"]["left"]["segments"] == 6
    assert any(line.startswith("read ") for line in lines[:-1])  # the readable lines before the JSON


def test_kept_clips_are_aligned_25fps_16khz_and_in_sync(run):
    _, out, _ = run
    clips = load_manifest(out)
    assert len(clips) >= 3
    judge = load_judge()
    for c in clips:
        frames, wav = read_video(c.video), read_audio(c.audio)
        assert frames.shape[1:] == (256, 256, 3) and c.n_frames == len(frames)
        assert len(wav) == len(frames) * 640  # 16 kHz: 640 samples per 25 fps frame
        assert sync_offsets(judge, frames, wav)["best_offset"] == 0, c.id
    late = [c for c in clips if c.load_meta()["source"] == "délai 5 images.mp4"]
    assert [c.load_meta()["offset"] for c in late] == [5]  # found and fixed


def test_each_source_stays_on_one_side_of_the_split(run):
    _, out, _ = run
    sides = {}
    for c in load_manifest(out):
        sides.setdefault(c.load_meta()["source"], set()).add(c.split)
    assert all(len(s) == 1 for s in sides.values()) and {"train", "test"} == set().union(*sides.values())


def test_a_run_with_another_config_is_refused(run, raw):
    _, out, _ = run
    r = subprocess.run(CLI + [str(raw), str(out), "--set", "min_seconds=4"], capture_output=True, text=True)
    assert r.returncode == 1 and "another OUT_DIR" in r.stderr and "Traceback" not in r.stderr


def test_keys_are_safe_and_distinct():
    assert source_key("délai 5 images.mp4").startswith("delai_5_images_")
    assert source_key("a b.mp4") != source_key("a_b.mp4")


def _source_sound(path) -> np.ndarray:
    "A file's sound decoded at its own rate, mixed to mono and taken to 16 kHz by scipy (not by read_audio)."
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        # AAC decodes to planar floats: one row per channel
        chunks = [f.to_ndarray().reshape(f.layout.nb_channels, -1).mean(0) for f in container.decode(stream)]
        rate = stream.rate
    return resample_poly(np.concatenate(chunks).astype(np.float64), 16_000, rate)


def _source_motion(path, fps: int = 25) -> np.ndarray:
    "Frame-to-frame change of the whole grey picture (1/8 size), frames picked at 1/fps by their timestamps."
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded = [(f.time, f.to_ndarray(format="gray")[::8, ::8]) for f in container.decode(stream)]
    times = np.array([t for t, _ in decoded]) - decoded[0][0]
    n = int((times[-1] + 1 / float(stream.average_rate)) * fps + 1e-6)
    on_screen = np.searchsorted(times, np.arange(n) / fps + 1e-6, side="right") - 1
    grey = np.stack([decoded[i][1] for i in on_screen]).astype(np.float32)
    return np.abs(np.diff(grey, axis=0)).mean((1, 2))


def _best_lag(segment: np.ndarray, source: np.ndarray, start: int, lags) -> int:
    "The lag at which `segment` correlates best with source[start + lag:]."
    fits = [k for k in lags if 0 <= start + k and start + k + len(segment) <= len(source)]
    score = [np.corrcoef(segment, source[start + k : start + k + len(segment)])[0, 1] for k in fits]
    return fits[int(np.argmax(score))]


@pytest.mark.skipif(not REAL.exists(), reason="../shared/real_clips is not here")
def test_real_clips_faces_are_found_and_aligned(tmp_path):
    """Real 1080x1920 footage: each segment's face found and aligned, its sound and pictures at the source's
    time (the source is in sync; unjudged: the offline judge sees no real face)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "demo1.mp4").symlink_to(REAL / "demo1_video.mp4")
    unjudged = ["--set", "check_sync=false", "--workers", "2", "--quiet"]
    r = subprocess.run(CLI + [str(raw), str(tmp_path / "out"), *unjudged], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    steps = json.loads(r.stdout.strip().splitlines()[-1])["steps"]
    assert steps["faces"]["left"]["segments"] == steps["faces"]["entered"]["segments"] == 2
    assert steps["write"]["left"]["segments"] == 2
    for c in load_manifest(tmp_path / "out"):
        faces = read_video(c.video)
        assert faces.shape[1:] == (256, 256, 3)
        # the aligned crop holds one face, centred
        boxes = HaarFaceDetector()(faces[len(faces) // 2])[0]
        assert len(boxes) == 1 and abs((boxes[0, 0] + boxes[0, 2]) / 2 - 128) < 20
    # in sync as the source is: each segment's sound and pictures are the source's at the segment's own time
    sound, motion = _source_sound(REAL / "demo1_video.mp4"), _source_motion(REAL / "demo1_video.mp4")
    for c in load_manifest(tmp_path / "out"):
        start = c.load_meta()["start"]  # in 25 fps frames of the source
        assert _best_lag(read_audio(c.audio), sound, start * 640, range(-320, 321)) == 0, c.id  # exact
        grey = read_video(c.video).astype(np.float32).mean(-1)
        face_motion = np.abs(np.diff(grey, axis=0)).mean((1, 2))  # (n - 1,)
        assert _best_lag(face_motion, motion, start, range(-6, 7)) == 0, c.id  # to the frame
