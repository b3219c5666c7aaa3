"""The release through the command line, offline: `fetch_release`'s stand-ins (the release's formats at small width)
fine-tuned with `stage2_efficient`, exported back to LatentSync's format, and scored by `eval-model` as official files."""
import json

import pytest
import torch

from latentsync_nb.model import official_stage
from latentsync_nb.release import fetch_release


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return fetch_release(tmp_path_factory.mktemp("release") / "checkpoints", "stand-in")


def test_stage2_efficient_from_the_release_exports_back_to_its_format(cli_inproc, release, tmp_path):
    "One step of stage2_efficient from the stage-2 file: the export is an official stage2_efficient UNet."
    settings = [f"{k}={v}" for k, v in release.train_settings("stage2_efficient").items()]
    r = cli_inproc("train", "--config", "stage2_efficient", "--out", tmp_path / "run", "--init-from", release.unet,
                   "--steps", "1", "--set", *settings)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "latentsync_unet.pt"
    r = cli_inproc("export-model", tmp_path / "run" / "unet.pt", "--official", "--out", out)
    assert r.returncode == 0, r.stderr
    exported = torch.load(out, weights_only=True)["state_dict"]
    released = torch.load(release.unet, weights_only=True)["state_dict"]
    assert official_stage(released) == "stage2" and official_stage(exported) == "stage2_efficient"
    assert set(exported) < set(released)                       # the encoder's motion modules left out, nothing new
    untouched = [k for k in exported if ".motion_modules." not in k and "attn" not in k]
    assert untouched and all(torch.equal(exported[k], released[k]) for k in untouched)   # only motion and attention train


def test_eval_model_scores_an_official_checkpoint(cli_inproc, release):
    "eval-model with the release's files: Whisper tokens, its face size and mask, the judge named by --judge."
    r = cli_inproc("eval-model", "--checkpoint", release.unet, "--unet-config", release.unet_config(),
                   "--whisper", release.whisper, "--vae", release.vae, "--judge", release.syncnet,
                   "--clips", "2", "--frames", "46", "--sample-steps", "1")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["clips"] == 2 and all(k in summary for k in ("sync_ratio", "lse_c", "mouth_psnr", "flicker"))
    r = cli_inproc("eval-model", "--checkpoint", release.unet, "--clips", "2")      # the released sizes: not these
    assert r.returncode != 0 and "of other shapes" in r.stderr
