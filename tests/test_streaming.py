"Streaming video: frame-by-frame reading equals whole-file reading (any start, any order), and `lipsync` never holds the video."
import numpy as np
import pytest
from latentsync_nb.data import (count_video_frames, iter_frames_at, iter_video, load_manifest, read_audio, read_video,
                                write_video, write_wav)

@pytest.fixture(scope="module")
def video_30fps(tmp_path_factory):
    "A 30 fps video (resampled to 25 on reading) of 150 distinct frames: each frame's number drawn into it."
    frames = np.zeros((150, 48, 64, 3), np.uint8)
    for i in range(150): frames[i, :, :, 0], frames[i, :, :, 1] = i, (7 * i) % 256
    return write_video(tmp_path_factory.mktemp("v") / "v30.mp4", frames, fps=30)

def test_iter_video_is_read_video_one_frame_at_a_time(video_30fps):
    whole = read_video(video_30fps)
    assert len(whole) == 125 == count_video_frames(video_30fps)
    assert np.array_equal(np.stack(list(iter_video(video_30fps))), whole)
    for start, stop in ((0, 5), (40, 57), (100, None), (124, None)):                # seeking lands on the same frames
        assert np.array_equal(np.stack(list(iter_video(video_30fps, start=start, stop=stop))), whole[start:stop])

def test_frames_in_any_order(video_30fps):
    whole = read_video(video_30fps)
    order = np.r_[np.arange(0, 125), np.arange(123, -1, -1), np.arange(1, 30)]     # forward, backward, forward again
    got = np.concatenate([f for _, f in iter_frames_at(video_30fps, order, block=16)])
    assert np.array_equal(got, whole[order])

def test_lipsync_streams_the_video(tmp_path, monkeypatch):
    "The input video is never decoded whole (read_video is not called on it), and the output is what the in-memory path makes: 40 frames from a 30-frame video (looped), windows at 0, 16, 24 in two batches, the last overlapping."
    import latentsync_nb.inference as inference
    clips = {c.id: c for c in load_manifest()}
    frames = read_video(clips["wild_02"].video)[:30]
    video = write_video(tmp_path / "short.mp4", frames)
    frames = read_video(video)                                                   # as decoded (H.264)
    speech = read_audio(clips["s6_01"].audio)[:40 * 640]
    audio = write_wav(tmp_path / "speech.wav", speech)
    lsm = inference.load_lipsync()
    expected, _ = inference.lipsync_frames(lsm, frames, speech, steps=1, windows_per_batch=2)
    def refuse(path, *a, **k): raise AssertionError(f"read_video({path}) decoded a whole file")
    monkeypatch.setattr(inference, "read_video", refuse)
    report = inference.lipsync(video, audio, tmp_path / "out.mp4", steps=1, lsm=lsm, block=7, windows_per_batch=2)
    monkeypatch.undo()
    out = read_video(tmp_path / "out.mp4")
    assert report["frames"] == len(out) == 40 and report["looped"] and report["video_frames"] == 30
    assert np.abs(out.astype(int) - expected).mean() < 2.0                       # the same dub, through the H.264 round trip
