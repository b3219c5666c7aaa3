"`latentsync-nb infer` / `demo` / `eval` end to end: lengths, sizes, frame rates, faces lost, and every bad input."
import json
import av
import cv2
import numpy as np
import pytest

from latentsync_nb.data import load_manifest, read_audio, read_video, write_video, write_wav
from latentsync_nb.inference import frame_mask, track_faces

CLIPS = {c.id: c for c in load_manifest()}
SPF = 640

@pytest.fixture(scope="module")
def face():
    "The first 1.2 s of the off-centre wild_00 clip (30 frames, 384x288) and 1 s of another speaker's speech."
    return read_video(CLIPS["wild_00"].video)[:30], read_audio(CLIPS["s7_01"].audio)[:16000]

@pytest.fixture(scope="module")
def media(tmp_path_factory, face):
    "Small test files: a video, its speech, and variants."
    d = tmp_path_factory.mktemp("media")
    frames, wav = face
    write_video(d / "face.mp4", frames, audio=wav[:len(frames) * SPF])
    write_wav(d / "speech.wav", wav)
    return d

def _infer(cli_inproc, video, audio, out, *extra):
    return cli_inproc("infer", "--video", video, "--audio", audio, "--out", out, "--steps", "1", *extra)

def _duration(path) -> float:
    with av.open(str(path)) as c: return float(c.duration / av.time_base)

def test_infer_length_size_rate_and_outside_mask(cli_inproc, media, face, tmp_path):
    out = tmp_path / "synced.mp4"
    r = _infer(cli_inproc, media / "face.mp4", media / "speech.wav", out, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    frames = read_video(out)
    assert frames.shape == (25, 288, 384, 3) and report["frames"] == 25          # 1 s of audio -> 25 frames, same size
    with av.open(str(out)) as c:
        assert float(c.streams.video[0].average_rate) == 25 and c.streams.audio[0].codec_context.name == "aac"
        assert c.streams.video[0].codec_context.name == "h264"
    assert abs(_duration(out) - 1.0) <= 0.04 + 0.03                               # one frame (+ AAC padding)
    assert read_audio(out).shape[0] == pytest.approx(16000, abs=1100)             # the new audio is muxed in
    src = read_video(media / "face.mp4")[:25]                                      # the input as decoded
    track = track_faces(src)
    near_mask = np.stack([cv2.dilate((frame_mask(c, src.shape[1:]) > 0).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
                          for c in track.crops])                                   # + 4 px: H.264 blocks bleed a little
    diff = np.abs(frames.astype(int) - src).mean(axis=-1)                         # (n, h, w)
    assert diff[~near_mask].mean() < 2.0 and np.percentile(diff[~near_mask], 99) < 8    # re-encoding only
    assert diff[near_mask].mean() > diff[~near_mask].mean() + 2                  # the mouth was re-drawn
    assert not [p.name for p in tmp_path.iterdir() if p.name != "synced.mp4"]    # no temp files left

def test_longer_audio_loops_and_short_audio_is_padded(cli_inproc, media, face, tmp_path):
    frames, wav = face
    write_video(tmp_path / "short.mp4", frames[:20])                              # 0.8 s of video
    r = _infer(cli_inproc, tmp_path / "short.mp4", media / "speech.wav", tmp_path / "loop.mp4")
    assert r.returncode == 0, r.stderr
    assert "looped" in r.stdout and len(read_video(tmp_path / "loop.mp4")) == 25
    write_wav(tmp_path / "tiny.wav", wav[:5 * SPF])                               # 5 frames of audio: < one 16-frame window
    r = _infer(cli_inproc, media / "face.mp4", tmp_path / "tiny.wav", tmp_path / "five.mp4")
    assert r.returncode == 0, r.stderr
    assert len(read_video(tmp_path / "five.mp4")) == 5

@pytest.mark.parametrize("fps", [30, 50, 60])
def test_other_frame_rates(cli_inproc, media, face, tmp_path, fps):
    frames, wav = face
    idx = np.minimum((np.arange(int(1.2 * fps)) * 25 / fps).astype(int), len(frames) - 1)
    write_video(tmp_path / f"v{fps}.mp4", frames[idx], fps=fps)
    with av.open(str(tmp_path / f"v{fps}.mp4")) as c: assert float(c.streams.video[0].average_rate) == fps
    r = _infer(cli_inproc, tmp_path / f"v{fps}.mp4", media / "speech.wav", tmp_path / "out.mp4")
    assert r.returncode == 0, r.stderr
    with av.open(str(tmp_path / "out.mp4")) as c: assert float(c.streams.video[0].average_rate) == 25
    assert len(read_video(tmp_path / "out.mp4")) == 25

@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (333, 251)], ids=["portrait-1080x1920", "landscape-1920x1080", "odd-333x251"])
def test_large_and_odd_sizes_are_kept(cli_inproc, media, face, tmp_path, size):
    frames, wav = face
    w, h = size
    canvas = np.stack([cv2.resize(f, (w, int(w * 288 / 384)), interpolation=cv2.INTER_LINEAR) for f in frames[:20]])
    big = np.zeros((20, h, w, 3), np.uint8) + np.array([40, 90, 100], np.uint8)   # letterbox / pillarbox the face clip
    top = max(0, (h - canvas.shape[1]) // 2)
    big[:, top:top + min(h, canvas.shape[1])] = canvas[:, :h]
    write_video(tmp_path / "big.mp4", big)
    write_wav(tmp_path / "a.wav", wav[:20 * SPF])
    r = _infer(cli_inproc, tmp_path / "big.mp4", tmp_path / "a.wav", tmp_path / "out.mp4")
    assert r.returncode == 0, r.stderr
    assert read_video(tmp_path / "out.mp4").shape == (20, h, w, 3)

def test_faces_lost_in_some_frames_pass_through(cli_inproc, media, face, tmp_path):
    frames, wav = face
    cut = frames[:25].copy()
    cut[8:14] = np.array([40, 90, 100], np.uint8)                                 # 6 frames without a face
    write_video(tmp_path / "cut.mp4", cut)
    r = _infer(cli_inproc, tmp_path / "cut.mp4", media / "speech.wav", tmp_path / "out.mp4")
    assert r.returncode == 0, r.stderr
    assert "no face found in 6 of the 25 input frames used" in r.stdout and "passed through unchanged" in r.stdout
    out, src = read_video(tmp_path / "out.mp4"), read_video(tmp_path / "cut.mp4")
    assert np.abs(out[8:14].astype(int) - src[8:14]).max() <= 6                   # those frames: only re-encoded

def test_silent_audio_is_allowed(cli_inproc, media, tmp_path):
    write_wav(tmp_path / "silence.wav", np.zeros(16000, np.float32))
    r = _infer(cli_inproc, media / "face.mp4", tmp_path / "silence.wav", tmp_path / "out.mp4")
    assert r.returncode == 0, r.stderr
    assert "silent" in r.stdout and len(read_video(tmp_path / "out.mp4")) == 25

def _bad_files(d, media, face):
    "name -> path of every kind of bad input file."
    frames, wav = face
    (d / "zero.mp4").write_bytes(b""); (d / "zero.wav").write_bytes(b"")
    data = (media / "face.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(data[:len(data) // 3])
    (d / "text.mp4").write_text("not a video\n" * 40)
    (d / "codec.mp4").write_bytes(data.replace(b"avc1", b"zzzz"))                  # a codec no decoder knows
    (d / "corrupt.wav").write_bytes(b"RIFF" + bytes(range(256)) * 8)
    write_wav(d / "blip.wav", wav[:300])                                          # 19 ms: less than a frame
    write_video(d / "noface.mp4", np.random.default_rng(0).integers(0, 255, (25, 240, 320, 3), dtype=np.uint8), audio=wav[:16000])
    write_video(d / "mute.mp4", frames[:25])                                      # no audio track
    return d

@pytest.mark.parametrize("video, audio, message", [
    ("missing.mp4", "SPEECH", "no such file"),
    ("zero.mp4", "SPEECH", "empty (0 bytes)"),
    ("truncated.mp4", "SPEECH", "Re-encode"),
    ("text.mp4", "SPEECH", "not a readable audio/video file"),
    ("codec.mp4", "SPEECH", "unsupported codec"),
    ("SPEECH", "SPEECH", "no video stream"),
    ("noface.mp4", "SPEECH", "no face found in any of the 25 frames"),
    ("FACE", "missing.wav", "no such file"),
    ("FACE", "zero.wav", "empty (0 bytes)"),
    ("FACE", "corrupt.wav", "not a readable audio/video file"),
    ("FACE", "blip.wav", "shorter than one video frame"),
    ("FACE", "mute.mp4", "no audio track"),
])
def test_bad_input_one_line_exit_1_no_output(cli_inproc, media, face, tmp_path, video, audio, message):
    (tmp_path / "in").mkdir()
    bad = _bad_files(tmp_path / "in", media, face)
    path = lambda name: {"SPEECH": media / "speech.wav", "FACE": media / "face.mp4"}.get(name, bad / name)
    out_dir = tmp_path / "out"; out_dir.mkdir()
    r = _infer(cli_inproc, path(video), path(audio), out_dir / "synced.mp4")
    assert r.returncode == 1, r.stdout
    assert r.stderr.count("\n") == 1 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not list(out_dir.iterdir())                                            # no output, no temp file

def test_out_must_be_mp4_and_not_an_input(cli_inproc, media, tmp_path):
    r = _infer(cli_inproc, media / "face.mp4", media / "speech.wav", tmp_path / "out.avi")
    assert r.returncode == 1 and "must be an .mp4" in r.stderr
    r = _infer(cli_inproc, media / "face.mp4", media / "speech.wav", media / "face.mp4")
    assert r.returncode == 1 and "must not overwrite an input" in r.stderr

def test_demo_then_eval_on_its_output(cli_inproc, tmp_path):
    "The demo writes its three files and a JSON of scores; `eval` aligns and judges the output video."
    r = cli_inproc("demo", "--out", tmp_path / "demo", "--steps", "4")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == ["mouth_strip.png", "mouths_and_offsets.png",
                                                                     "wild_00_speaks_s7_01.mp4"]
    scores = json.loads(r.stdout.strip().splitlines()[-1])
    assert {"sync_ratio", "best_offset", "input_sync_ratio", "lse_c", "lse_d"} <= set(scores)
    assert "mouth strip" in r.stdout and "sync ratio" in r.stdout
    assert f"the demo took {scores['demo_wall_s']:.0f} s of wall time" in r.stdout and scores["demo_wall_s"] > 0
    r = cli_inproc("eval", tmp_path / "demo" / "wild_00_speaks_s7_01.mp4", "--json")
    assert r.returncode == 0, r.stderr
    judged = json.loads(r.stdout)
    assert judged["aligned_input"] is False and judged["windows"] > 100
    assert abs(judged["best_offset"]) <= 1 and judged["sync_margin"] > 0.5 * scores["gt_sync_margin"]

def test_eval_on_an_aligned_clip_is_unchanged(cli_inproc):
    "An aligned sample clip is judged as it is (align=auto), exactly as with --align no."
    auto = json.loads(cli_inproc("eval", CLIPS["shifted_00"].video, "--json").stdout)
    plain = json.loads(cli_inproc("eval", CLIPS["shifted_00"].video, "--json", "--align", "no").stdout)
    assert auto["aligned_input"] and auto["distances"] == plain["distances"] and auto["best_offset"] == 4
