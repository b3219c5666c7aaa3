"""The released LatentSync through this library, offline: official-format files at small width (an official-structure
UNet with random weights, configs/unet/stage2.yaml with data.resolution 256, an openai-format tiny.pt, a local diffusers
VAE folder). What `dub_batches` hands the UNet is checked against tests/official_inputs_reference.py, written from the
facts; fine-tuning from the release, exporting back to it, and the one-line errors of bad files."""
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from tests.conftest import ROOT
from tests import official_inputs_reference as ref
from tests.test_official_unet import manifest_names, random_official_state, small_config
from latentsync_nb.release import standin_whisper_file

WIDTH, HEADS = 48, 4                        # small_config's cross_attention_dim; the small Whisper's heads


def openai_whisper_file(path: Path, width: int = WIDTH, seed: int = 0) -> dict:
    "A Whisper encoder with random weights in openai-whisper's tiny.pt format ({'dims', 'model_state_dict'})."
    return standin_whisper_file(path, width, HEADS, seed=seed)


def vae_folder(path: Path):
    "A small diffusers AutoencoderKL (8x down, 4 latent channels, scaling 0.18215) whose posterior is nearly a point, as SD's."
    from diffusers import AutoencoderKL
    torch.manual_seed(0)
    vae = AutoencoderKL(block_out_channels=(16, 32, 32, 32), layers_per_block=1, norm_num_groups=8, latent_channels=4,
                        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                        scaling_factor=0.18215)
    with torch.no_grad():
        vae.quant_conv.weight[4:] = 0                                              # log-variance -30: std 3e-7
        vae.quant_conv.bias[4:] = -30
    vae.save_pretrained(path)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    "Official-format files of a small release: UNet, stage2.yaml (256 px), stage1.yaml, tiny.pt, VAE folder."
    d = tmp_path_factory.mktemp("release")
    torch.save({"state_dict": random_official_state("stage2"), "global_step": 1}, d / "latentsync_unet.pt")
    (d / "stage2.yaml").write_text(yaml.safe_dump({"data": {"resolution": 256}, "model": small_config("stage2")}))
    (d / "stage1.yaml").write_text(yaml.safe_dump({"data": {"resolution": 256}, "model": small_config("stage1")}))
    stage2_512 = {"data": {"resolution": 512}, "model": {**small_config("stage2"), "sample_size": 64}}
    (d / "stage2_512.yaml").write_text(yaml.safe_dump(stage2_512))
    whisper_state = openai_whisper_file(d / "tiny.pt")
    vae_folder(d / "vae")
    return dict(dir=d, whisper_state=whisper_state)


class _Seen(Exception):
    "Raised by the hook once the UNet's first call has been seen: nothing after it needs to run."


def first_unet_call(lsm, faces, wav, geometry):
    "The arguments of the UNet's first call inside dub_batches."
    from latentsync_nb.inference import dub_batches
    seen = []

    def hook(*args):
        seen.append(args)
        raise _Seen

    unet = lsm.model.unet
    original, unet.forward = unet.forward, hook
    try:
        next(dub_batches(lsm, wav, len(faces), lambda a, b: faces[a:b], steps=1, guidance=1.5, geometry=geometry))
    except _Seen:
        pass
    finally:
        unet.forward = original
    return seen[0]


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).norm() / b.norm()).item()


@pytest.mark.parametrize("config, size", [("stage2.yaml", 256), ("stage2_512.yaml", 512)])
def test_unet_receives_what_latentsync_computes(release, config, size):
    "Mask channel exactly, masked and reference latents within 1e-3, Whisper tokens within 1e-2, faces of data.resolution."
    from latentsync_nb.data import load_clip, load_manifest
    from latentsync_nb.inference import GEOMETRIES, load_lipsync
    d = release["dir"]
    lsm = load_lipsync(d / "latentsync_unet.pt", unet_config=d / config, whisper=d / "tiny.pt", vae=d / "vae")
    assert lsm.face_size == size and lsm.geometry == "official"                    # data.resolution, not sample_size x 8
    if size == 256:                           # the latents are compared at 256 px (512 px: the mask and the shapes)
        lsm.vae.double()                      # a random VAE magnifies float32 rounding (batch 1 vs 16: 2e-3): compare in float64
    lc = load_clip(next(c for c in load_manifest(split="test") if c.id == "s6_00"), size)
    n = 32 if size == 256 else 16                                                  # 256: windows at 0 and 16 in one batch
    faces, wav = lc.frames[:n], lc.wav[:n * 640]
    noisy, mask, masked, refs, timesteps, audio = first_unet_call(lsm, faces, wav, GEOMETRIES["official"])
    starts, h = ([0, 16] if size == 256 else [0]), size // 8
    assert masked.shape == (2 * len(starts), 4, 16, h, h)                          # with and without audio (guidance)
    features = ref.whisper_features(release["whisper_state"], wav, HEADS)
    for k, start in enumerate(starts):
        window = faces[start:start + 16]
        pixels, masked_pixels, channel = ref.unet_pixel_inputs(window, size)
        assert torch.equal(mask[k, 0], channel[None].expand(16, h, h))            # exactly LatentSync's mask channel
        assert channel[:h // 4].min() == 1 and channel[h * 200 // 256, h // 2] == 0  # 1 = kept (upper face), 0 = mouth
        if size == 256:
            g = torch.Generator().manual_seed(k)
            expect_masked = ref.encode(lsm.vae, masked_pixels, g).transpose(0, 1)  # (4, 16, 32, 32)
            expect_ref = ref.encode(lsm.vae, pixels, g).transpose(0, 1)
            assert rel(masked[k], expect_masked) < 1e-3, rel(masked[k], expect_masked)
            assert rel(refs[k], expect_ref) < 1e-3, rel(refs[k], expect_ref)
        expect_audio = torch.stack([ref.frame_tokens(features, start + i) for i in range(16)])   # (16, 50, width)
        assert rel(audio[k], expect_audio) < 1e-2, rel(audio[k], expect_audio)
    assert audio[len(starts):].abs().max() == 0                                    # the unconditional half: zero audio


def test_the_old_conventions_would_fail(release):
    "The check has teeth: black fill and transformers' waveform padding each miss the reference by far."
    from transformers import WhisperFeatureExtractor
    from latentsync_nb.data import load_clip, load_manifest
    from latentsync_nb.model import WhisperAudioEncoder
    d = release["dir"]
    from latentsync_nb.vae import load_vae
    vae = load_vae(d / "vae")
    window = load_clip(next(c for c in load_manifest(split="test") if c.id == "s6_00"), 256).frames[:16]
    pixels, masked_pixels, channel = ref.unet_pixel_inputs(window, 256)
    black = torch.where(masked_pixels == 0, -torch.ones_like(pixels), pixels)
    g = lambda: torch.Generator().manual_seed(0)
    assert rel(ref.encode(vae, black, g()), ref.encode(vae, masked_pixels, g())) > 0.1
    wav = load_clip(next(c for c in load_manifest(split="test") if c.id == "s6_00"), 64).wav
    whisper = WhisperAudioEncoder(str(d / "tiny.pt"))
    n = len(wav) // 160
    hf_mel = WhisperFeatureExtractor(feature_size=80)(wav, sampling_rate=16000, return_tensors="pt").input_features
    with torch.no_grad():
        hf_way = torch.stack([h[0, :n // 2] for h in whisper.layer_outputs(hf_mel)], dim=1)
    assert rel(hf_way, ref.whisper_features(release["whisper_state"], wav, HEADS)) > 0.05


def test_whisper_segments_past_30_seconds(release):
    "A 40 s file: one mel maximum, two segments (30 s + 10 s) each padded with 0.0, 2000 steps, as the reference."
    from latentsync_nb.data import load_manifest, read_audio
    from latentsync_nb.model import WhisperAudioEncoder
    wav = np.resize(read_audio(load_manifest(split="test")[0].audio), 40 * 16000)
    ours = WhisperAudioEncoder(str(release["dir"] / "tiny.pt")).features(wav)     # (5, T, width)
    theirs = ref.whisper_features(release["whisper_state"], wav, HEADS)            # (T, 5, width)
    assert ours.shape == (5, 2000, WIDTH) and theirs.shape == (2000, 5, WIDTH)
    assert rel(ours.transpose(0, 1), theirs) < 1e-2


def train_args(d: Path, out: Path, *extra) -> list:
    "A one-step stage-2 fine-tune of the small release on a CPU (offline stand-ins for the judges the presets name)."
    return ["train", "--config", "stage2", "--out", out, "--steps", "1", "--set", f"unet_config={d / 'stage2.yaml'}",
            f"audio_encoder={d / 'tiny.pt'}", f"vae={d / 'vae'}", "syncnet=null", "force_judge=true", "trepa_encoder=tiny",
            "lpips_backbone=random", "mixed_precision=no", "judge_dtype=null", "decode_chunk=null", "cpu=true",
            "validate_every=0", "n_items=4", *extra]


def test_finetune_the_release_and_export_it_back(cli_inproc, release, tmp_path):
    "train --init-from the release runs a step; export-model --official writes the manifest's names; it loads back exactly."
    from latentsync_nb.core import read_checkpoint
    from latentsync_nb.checkpoints import load_official
    d = release["dir"]
    r = cli_inproc(*train_args(d, tmp_path / "run"), "--init-from", d / "latentsync_unet.pt")
    assert r.returncode == 0, r.stderr
    run = read_checkpoint(tmp_path / "run" / "unet.pt")
    assert run["step"] == 1 and run["config"]["face_size"] == 256 and run["config"]["mask"] == "official"
    released = read_checkpoint(d / "latentsync_unet.pt")["state_dict"]
    r = cli_inproc("export-model", tmp_path / "run" / "unet.pt", "--official", "--out", tmp_path / "latentsync_unet.pt")
    assert r.returncode == 0, r.stderr
    exported = read_checkpoint(tmp_path / "latentsync_unet.pt")
    assert set(exported) == {"state_dict", "global_step"} and exported["global_step"] == 1
    assert sorted(exported["state_dict"]) == sorted(manifest_names("stage2")) == sorted(released)
    assert all(exported["state_dict"][k].shape == released[k].shape for k in released)
    frozen = [k for k in released if "motion_modules" not in k and "attentions" not in k]     # stage 2 trains neither
    assert all(torch.equal(exported["state_dict"][k], released[k]) for k in frozen)
    assert any(not torch.equal(exported["state_dict"][k], released[k]) for k in released if "motion_modules" in k)
    back = load_official(tmp_path / "latentsync_unet.pt", unet_config=d / "stage2.yaml", vae=str(d / "vae"))
    for k, v in back.unet.state_dict().items():
        assert torch.equal(v, run["model"]["unet." + k].float()), k                # exactly the trained weights


def one_line_error(r, *phrases):
    "A failed command whose stderr is one line naming what is wrong (no traceback)."
    lines = r.stderr.strip().splitlines()
    assert r.returncode != 0 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert all(p in lines[0] for p in phrases), lines[0]


def test_bad_release_files_get_one_line_errors(cli_inproc, release, tmp_path):
    from latentsync_nb.syncnet import shipped_syncnet_path
    d = release["dir"]
    clips = ROOT / "data_samples" / "clips"
    infer = ["infer", "--video", clips / "wild_02.mp4", "--audio", clips / "s6_01.wav", "--out", tmp_path / "o.mp4",
             "--steps", "1", "--checkpoint", d / "latentsync_unet.pt", "--whisper", d / "tiny.pt", "--vae", d / "vae"]
    one_line_error(cli_inproc(*infer, "--unet-config", d / "stage1.yaml"), "is a stage2 UNet", "stage1")
    (tmp_path / "bare.yaml").write_text(yaml.safe_dump(small_config("stage2")))     # the section without `model:`
    one_line_error(cli_inproc(*infer, "--unet-config", tmp_path / "bare.yaml"), "no `model:` section")
    openai_whisper_file(tmp_path / "base.pt", width=64)                              # a Whisper of other dimensions
    wide = [a if a != d / "tiny.pt" else tmp_path / "base.pt" for a in infer]
    one_line_error(cli_inproc(*wide, "--unet-config", d / "stage2.yaml"), "width 64", "attends to 48")
    one_line_error(cli_inproc(*train_args(d, tmp_path / "a")), "--init-from", "--from-scratch")
    one_line_error(cli_inproc(*train_args(d, tmp_path / "b"), "--init-from", shipped_syncnet_path()), "is a SyncNet checkpoint")
    judge = [a for a in train_args(d, tmp_path / "c") if a != "force_judge=true"]
    one_line_error(cli_inproc(*judge, "--init-from", d / "latentsync_unet.pt"), "trained on 64 px faces", "256 px")
    assert not (tmp_path / "o.mp4").exists()
