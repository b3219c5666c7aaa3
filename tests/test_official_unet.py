"""Parity: an official-structure UNet (small widths, random weights) through `unet_from_official` computes what the
official numerics compute, checked against an independent forward pass written from the facts."""
import math
import pytest
import torch
from tests.conftest import ROOT
from tests.official_unet_reference import official_forward
from latentsync_nb.model import OFFICIAL_UNET_CONFIGS, LatentSyncUNet, unet_from_official
from latentsync_nb.release import random_official_unet

def manifest_names(stage: str) -> list:
    lines = (ROOT / "reference" / f"latentsync_unet_{stage}.state_dict.tsv").read_text().splitlines()
    return [l.split("\t")[0] for l in lines if l and not l.startswith(("#", "total_params"))]

def small_config(stage: str) -> dict:
    "The official configuration at a tenth of the widths: same blocks, layers, heads and stages."
    return {**OFFICIAL_UNET_CONFIGS[stage], "block_out_channels": [32, 64, 128, 128], "norm_num_groups": 8,
            "cross_attention_dim": 48, "sample_size": 8}

def sinusoid(length: int, dim: int) -> torch.Tensor:
    "The temporal position encoding the facts describe, (1, length, dim)."
    pos = torch.arange(length)[:, None].float()
    div = torch.exp(torch.arange(0, dim, 2).float() * (-math.log(10000.0) / dim))
    pe = torch.zeros(1, length, dim)
    pe[0, :, 0::2], pe[0, :, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
    return pe

def random_official_state(stage: str, seed: int = 0) -> dict:
    "The package's stand-in builder at small_config's widths, checked: the manifest's names, the facts' sinusoid."
    state = random_official_unet(small_config(stage), seed)
    assert sorted(state) == sorted(manifest_names(stage))
    for name, value in state.items():
        if name.endswith("pos_encoder.pe"):
            assert torch.allclose(value, sinusoid(value.shape[1], value.shape[2]), atol=1e-6), name
    return state

@pytest.mark.parametrize("stage", ["stage1", "stage2", "stage2_efficient"])
def test_unet_from_official_matches_the_reference_forward(stage):
    torch.manual_seed(1)
    state, config = random_official_state(stage), small_config(stage)
    model = unet_from_official({"state_dict": state, "global_step": 10}, config).eval()
    b, f, s = 2, 16, 8
    ramp = torch.linspace(-1, 1, f).view(1, 1, f, 1, 1)                                # frames differ, so the spans matter
    noisy, masked, ref = (torch.randn(b, 4, f, s, s) + ramp for _ in range(3))
    mask = (torch.rand(b, 1, f, s, s) > 0.5).float()
    timesteps, audio = torch.tensor([17, 803]), torch.randn(b, f, 50, 48)
    with torch.no_grad():
        ours = model(noisy, mask, masked, ref, timesteps, audio)
        theirs = official_forward(state, config, torch.cat([noisy, mask, masked, ref], 1), timesteps, audio)
    assert ours.shape == theirs.shape == (b, 4, f, s, s)
    assert theirs.abs().mean() > 0.05                                               # a real signal, not zeros
    err = (ours - theirs).abs().max().item()
    assert err < 1e-4, f"{stage}: differs from the reference by {err:.2e}"

def test_diffusers_numerics_would_not_match():
    "The check has teeth: the same weights under diffusers' default norm spans miss the reference by far more than 1e-4."
    from dataclasses import replace
    state, config = random_official_state("stage2"), small_config("stage2")
    model = unet_from_official(state, config).eval()
    plain = LatentSyncUNet(replace(model.cfg, resnet_norm="frame", motion_norm="clip"), motion=True).eval()
    plain.load_state_dict(model.state_dict())
    x = [torch.randn(1, 4, 16, 8, 8) + torch.linspace(-1, 1, 16).view(1, 1, 16, 1, 1), torch.ones(1, 1, 16, 8, 8),
         torch.randn(1, 4, 16, 8, 8), torch.randn(1, 4, 16, 8, 8)]
    audio = torch.randn(1, 16, 50, 48)
    with torch.no_grad():
        theirs = official_forward(state, config, torch.cat(x, 1), torch.tensor([500]), audio)
        assert (model(*x, torch.tensor([500]), audio) - theirs).abs().max() < 1e-4
        assert (plain(*x, torch.tensor([500]), audio) - theirs).abs().max() > 1e-2

def test_bad_official_checkpoints_get_clear_errors(tmp_path):
    state = random_official_state("stage2")
    with pytest.raises(ValueError, match="is a stage2 UNet .* describes stage1"):
        unet_from_official(state, small_config("stage1"))
    with pytest.raises(ValueError, match="tensors missing"):
        unet_from_official(dict(list(state.items())[:-40]), small_config("stage2"))
    with pytest.raises(ValueError, match="not a LatentSync UNet"):
        unet_from_official({"encoder.weight": torch.zeros(3)}, small_config("stage2"))
    with pytest.raises(ValueError, match="of other shapes"):
        unet_from_official(state, OFFICIAL_UNET_CONFIGS["stage2"])
    sd_unet = {**state, "conv_in.weight": torch.zeros(32, 4, 3, 3)}
    with pytest.raises(ValueError, match="takes 4 channels"):
        unet_from_official(sd_unet, small_config("stage2"))

@pytest.fixture(scope="module")
def official_files(tmp_path_factory):
    "A small official-structure stage-2 checkpoint, its configs/unet yaml, and a small local Whisper of the same width."
    import yaml
    from transformers import WhisperConfig, WhisperModel
    d = tmp_path_factory.mktemp("official")
    torch.save({"state_dict": random_official_state("stage2"), "global_step": 1}, d / "latentsync_unet.pt")
    (d / "stage2.yaml").write_text(yaml.safe_dump({"data": {"resolution": 32}, "model": small_config("stage2")}))
    (d / "stage1.yaml").write_text(yaml.safe_dump({"model": small_config("stage1")}))
    WhisperModel(WhisperConfig(d_model=48, encoder_layers=4, encoder_attention_heads=4, decoder_layers=1, decoder_attention_heads=4,
                               encoder_ffn_dim=192, decoder_ffn_dim=64, num_mel_bins=80)).save_pretrained(d / "whisper")
    return d

def test_infer_takes_an_official_checkpoint(cli_inproc, official_files, tmp_path):
    "`infer --checkpoint latentsync_unet.pt` with the release's yaml, on a real face (the astronaut photograph, moving): the official numerics, Whisper tokens, LatentSync's geometry, the video's size kept."
    import json
    import cv2
    import numpy as np
    from skimage.data import astronaut
    from latentsync_nb.data import load_manifest, read_audio, read_video, write_video, write_wav
    from latentsync_nb.inference import GEOMETRIES, frame_mask, moving_photo, track_faces
    clips = {c.id: c for c in load_manifest()}
    audio = write_wav(tmp_path / "a.wav", read_audio(clips["s6_01"].audio)[:20 * 640])
    video = write_video(tmp_path / "astronaut.mp4", moving_photo(astronaut(), n=20)[0])
    d = official_files
    r = cli_inproc("infer", "--video", video, "--audio", audio, "--out", tmp_path / "out.mp4", "--steps", "1",
                   "--checkpoint", d / "latentsync_unet.pt", "--unet-config", d / "stage2.yaml", "--whisper", d / "whisper",
                   "--vae", "tiny", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    frames, out = read_video(video), read_video(tmp_path / "out.mp4")
    assert report["geometry"] == "official" and report["faces_lost"] == 0
    assert report["frames"] == len(out) == 20 and report["face_size"] == 32 and out.shape[1:] == frames.shape[1:]
    track = track_faces(frames, "haar", GEOMETRIES["official"].align)              # where the face crop was pasted
    region = np.stack([cv2.dilate((frame_mask(c, frames.shape[1:], region="face") > 0).astype(np.uint8), np.ones((9, 9), np.uint8))
                       for c in track.crops]) > 0                                 # + 4 px: H.264 blocks bleed a little
    diff = np.abs(out.astype(int) - frames).max(-1)
    assert diff[~region].mean() < 2.5 and diff[region].mean() > 3 * diff[~region].mean()   # only the face crop was redrawn (H.264 twice elsewhere)

def test_infer_bad_official_checkpoints(cli_inproc, official_files, tmp_path):
    d = official_files
    common = ["infer", "--video", ROOT / "data_samples" / "clips" / "wild_02.mp4", "--audio", ROOT / "data_samples" / "clips" / "s6_01.wav",
              "--out", tmp_path / "out.mp4", "--steps", "1"]
    r = cli_inproc(*common, "--checkpoint", d / "latentsync_unet.pt", "--unet-config", d / "stage1.yaml")
    assert r.returncode != 0 and "is a stage2 UNet" in r.stderr and "stage1" in r.stderr
    r = cli_inproc(*common, "--checkpoint", d / "latentsync_unet.pt")                 # the released config: other widths
    assert r.returncode != 0 and "of other shapes" in r.stderr
    (tmp_path / "cut.pt").write_bytes((d / "latentsync_unet.pt").read_bytes()[:100_000])
    r = cli_inproc(*common, "--checkpoint", tmp_path / "cut.pt")
    assert r.returncode != 0 and "not a readable PyTorch checkpoint" in r.stderr
    torch.save({"state_dict": {"fc.weight": torch.zeros(2, 2)}}, tmp_path / "other.pt")
    r = cli_inproc(*common, "--checkpoint", tmp_path / "other.pt")
    assert r.returncode != 0 and "nor an official latentsync_unet.pt" in r.stderr
    assert not (tmp_path / "out.mp4").exists()
