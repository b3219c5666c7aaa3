"Bad media gives a clear MediaError; writes are atomic (no half-written files, no temp files left behind)."
import warnings
import av
import numpy as np
import pytest
import soundfile as sf

from latentsync_nb.data import (MediaError, SilentAudioWarning, load_manifest, read_audio, read_video, write_video,
                                write_wav, load_clip, Clip)

@pytest.fixture(scope="module")
def clip(): return load_manifest(split="test")[0]

def test_truncated_mp4(clip, tmp_path):
    data = clip.video.read_bytes()
    bad = tmp_path / "truncated.mp4"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="Re-encode"): read_video(bad)

def test_text_file_named_mp4(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("this is not a video\n" * 50)
    with pytest.raises(MediaError, match="not a readable audio/video file"): read_video(bad)

def test_zero_byte_and_missing_and_folder(tmp_path):
    (tmp_path / "zero.wav").write_bytes(b"")
    with pytest.raises(MediaError, match="0 bytes"): read_audio(tmp_path / "zero.wav")
    with pytest.raises(FileNotFoundError, match="no such file"): read_audio(tmp_path / "missing.wav")
    with pytest.raises(MediaError, match="is a folder"): read_video(tmp_path)

def test_audio_only_file_has_no_video(clip):
    with pytest.raises(MediaError, match="no video stream"): read_video(clip.audio)

def test_video_without_audio(clip, tmp_path):
    path = write_video(tmp_path / "mute.mp4", read_video(clip.video)[:20])
    with pytest.raises(MediaError, match="no audio track"): read_audio(path)

def test_nan_in_float_wav(tmp_path):
    wav = np.sin(np.arange(16000) / 10).astype(np.float32)
    wav[100] = np.nan
    sf.write(tmp_path / "nan.wav", wav, 16000, subtype="FLOAT")
    with pytest.raises(MediaError, match="NaN or infinite"): read_audio(tmp_path / "nan.wav")

def test_silent_audio_is_allowed_but_flagged(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SilentAudioWarning)
        write_wav(tmp_path / "silence.wav", np.zeros(16000, np.float32))
    with pytest.warns(SilentAudioWarning, match="silent"):
        wav = read_audio(tmp_path / "silence.wav")
    assert wav.shape == (16000,) and not wav.any()

def test_other_sample_rate_and_stereo_are_converted(clip, tmp_path):
    mono = read_audio(clip.audio)
    stereo_44k = np.stack([mono, mono], axis=1)
    import librosa
    sf.write(tmp_path / "stereo.wav", librosa.resample(stereo_44k.T, orig_sr=16000, target_sr=44100).T, 44100)
    back = read_audio(tmp_path / "stereo.wav")
    assert abs(len(back) - len(mono)) <= 2
    n = min(len(back), len(mono))
    assert np.corrcoef(back[:n], mono[:n])[0, 1] > 0.99

def test_clip_shorter_than_one_window(clip, tmp_path):
    short = write_video(tmp_path / "short.mp4", read_video(clip.video)[:12])
    with pytest.raises(MediaError, match="shorter than one 16-frame window"):
        load_clip(Clip("short", "x", "test", short, clip.audio, clip.meta, 12, 256, 256))

def test_failed_write_leaves_nothing(clip, tmp_path, monkeypatch):
    frames = read_video(clip.video)[:30]
    calls = {"n": 0}
    real = av.VideoFrame.from_ndarray
    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] > 10: raise RuntimeError("disk full (simulated)")
        return real(*a, **k)
    monkeypatch.setattr(av.VideoFrame, "from_ndarray", flaky)
    with pytest.raises(RuntimeError, match="simulated"): write_video(tmp_path / "out.mp4", frames)
    assert list(tmp_path.iterdir()) == []

def test_failed_write_keeps_previous_file(clip, tmp_path, monkeypatch):
    frames = read_video(clip.video)[:20]
    target = write_video(tmp_path / "out.mp4", frames)
    before = target.read_bytes()
    monkeypatch.setattr(av.VideoFrame, "from_ndarray", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError): write_video(target, frames[::-1])
    assert target.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]

def _write_with_pyav(path, frames, fps, vcodec, audio=None, acodec=None, rate=16000):
    with av.open(str(path), "w") as out:
        vs = out.add_stream(vcodec, rate=fps)
        vs.width, vs.height, vs.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        aus = out.add_stream(acodec, rate=rate, layout="stereo") if audio is not None else None
        for f in frames: out.mux(vs.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        out.mux(vs.encode(None))
        if aus is not None:
            n = aus.codec_context.frame_size or 1024
            fmt = aus.codec_context.format.name
            for s in range(0, len(audio) - n + 1, n):
                block = np.stack([audio[s:s + n]] * 2)
                if fmt.startswith("s16"): block = (block * 32767).astype(np.int16)
                af = av.AudioFrame.from_ndarray(block if fmt.endswith("p") else block.T.reshape(1, -1).copy(), format=fmt, layout="stereo")
                af.sample_rate, af.pts = rate, s
                out.mux(aus.encode(af))
            out.mux(aus.encode(None))

@pytest.mark.parametrize("suffix, vcodec, fps, acodec, rate", [
    (".mkv", "mpeg4", 30, "libopus", 48000),
    (".avi", "mpeg4", 50, None, None),
    (".mov", "libx264", 60, "aac", 44100),
])
def test_other_containers_rates_and_codecs(clip, tmp_path, suffix, vcodec, fps, acodec, rate):
    frames25 = read_video(clip.video)[:50]                       # 2 s
    src = frames25[np.floor(np.arange(2 * fps) * 25 / fps).astype(int)]
    audio = None
    if acodec:
        import librosa
        audio = librosa.resample(read_audio(clip.audio)[:32000], orig_sr=16000, target_sr=rate).astype(np.float32)
    path = tmp_path / f"clip{suffix}"
    _write_with_pyav(path, src, fps, vcodec, audio, acodec, rate or 16000)
    back = read_video(path)
    assert back.shape == (50, 256, 256, 3)
    assert np.abs(back.astype(float) - frames25).mean() < 6
    if acodec:
        wav = read_audio(path)
        assert abs(len(wav) - 32000) < 0.05 * 32000
        ref = read_audio(clip.audio)[:32000]
        n = min(len(wav), len(ref))
        xc = np.correlate(wav[:n][::4], ref[:n][::4], mode="full")
        assert abs(int(xc.argmax()) - (len(wav[:n][::4]) - 1)) <= 30       # within ~8 ms
