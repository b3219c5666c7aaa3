"Training the UNet from the command line: checkpoints, --set overrides, SIGKILL and resume."
import numpy as np
import torch
from tests.conftest import kill_after_first_checkpoint

ARGS = ["train", "--config", "tiny-stage1", "--steps", "6", "--batch-size", "1", "--checkpoint-every", "2",
        "--set", "cache_latents=false"]

def test_killed_training_resumes_with_the_same_losses(cli, tmp_path):
    "SIGKILL `train` after a checkpoint, resume it: its per-step losses equal an uninterrupted run's."
    full = cli(*ARGS, "--out", tmp_path / "full")
    assert full.returncode == 0, full.stderr
    assert "step 6: recon" in full.stdout
    run = tmp_path / "killed"
    killed_at = kill_after_first_checkpoint([*ARGS, "--out", run], run / "unet.pt")
    assert killed_at < 6, "the run finished before it could be killed"
    resumed = cli(*ARGS, "--out", run)
    assert resumed.returncode == 0, resumed.stderr
    a = torch.load(tmp_path / "full" / "unet.pt", weights_only=True)
    b = torch.load(run / "unet.pt", weights_only=True)
    assert b["step"] == 6 and len(b["history"]["total"]) == 6
    assert np.allclose(a["history"]["total"], b["history"]["total"], atol=1e-5)
    assert all(torch.allclose(a["model"][k], b["model"][k], atol=1e-5) for k in a["model"])
    assert [p.name for p in run.iterdir()] == ["unet.pt"]                     # no temp files left behind

def test_set_overrides_any_field(cli_inproc, tmp_path):
    r = cli_inproc("train", "--out", tmp_path / "run", "--steps", "1", "--batch-size", "1", "--set", "seed=7", "face_size=64",
                   "lpips_backbone=random")
    assert r.returncode == 0, r.stderr
    cfg = torch.load(tmp_path / "run" / "unet.pt", weights_only=True)["config"]
    assert cfg["seed"] == 7 and cfg["max_steps"] == 1 and cfg["stage"] == "stage1"
