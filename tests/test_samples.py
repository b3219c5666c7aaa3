"The shipped corpus: its promised shape, and that `make-samples` rebuilds it within the stated tolerance."
import json
import numpy as np

from latentsync_nb.data import load_manifest, read_audio, read_video

def test_corpus_shape(manifest):
    clips = manifest["clips"]
    speakers = {c["speaker"] for c in clips}
    assert len(speakers) >= 6
    long_enough = [c for c in clips if 5 <= c["n_frames"] / 25 <= 10]
    assert len(long_enough) >= 40
    train = {c["speaker"] for c in clips if c["split"] == "train"}
    test = {c["speaker"] for c in clips if c["split"] == "test"}
    assert test and not (train & test)                                   # held-out speakers
    assert any(c["audio_offset_frames"] != 0 for c in clips)             # the shifted clip
    assert sum(not c["aligned"] for c in clips) >= 3                     # off-centre faces

def test_files_exist_and_match_manifest(manifest):
    from tests.conftest import SAMPLES
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert total <= 25 * 2**20
    for c in load_manifest():
        assert c.video.exists() and c.audio.exists() and c.meta.exists()
    c = load_manifest(split="wild")[1]
    frames = read_video(c.video)
    assert frames.shape == (c.n_frames, c.height, c.width, 3)
    meta = c.load_meta()
    assert len(meta["mouth_open"]) == len(meta["face_box"]) == c.n_frames

def test_rebuild_matches_committed(cli, tmp_path):
    ids = ["s2_01", "wild_02", "shifted_00"]
    r = cli("make-samples", tmp_path, "--only", *ids)
    assert r.returncode == 0, r.stderr
    committed = {c.id: c for c in load_manifest()}
    rebuilt = {c.id: c for c in load_manifest(tmp_path)}
    assert sorted(rebuilt) == sorted(ids)
    man_new = {c["id"]: c for c in json.loads((tmp_path / "manifest.json").read_text())["clips"]}
    from tests.conftest import SAMPLES
    man_old = {c["id"]: c for c in json.loads((SAMPLES / "manifest.json").read_text())["clips"]}
    for i in ids:
        assert man_new[i] == man_old[i]
        a, b = read_audio(rebuilt[i].audio), read_audio(committed[i].audio)
        assert a.shape == b.shape and np.abs(a - b).max() * 32768 <= 2
        fa, fb = read_video(rebuilt[i].video), read_video(committed[i].video)
        assert fa.shape == fb.shape and np.abs(fa.astype(float) - fb).mean() < 1.0
        assert rebuilt[i].load_meta() == committed[i].load_meta()
