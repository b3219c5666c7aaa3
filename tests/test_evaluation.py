"The evaluation commands: eval-model, export-model and bench train on bad input; exported models load back."
import torch

def test_export_model_round_trip(cli_inproc, tmp_path):
    "A one-step training checkpoint exported at fp16 loads back as the same model (within fp16 rounding)."
    from latentsync_nb.checkpoints import load_trained
    r = cli_inproc("train", "--out", tmp_path / "run", "--steps", "1", "--batch-size", "1", "--set", "cache_latents=false")
    assert r.returncode == 0, r.stderr
    r = cli_inproc("export-model", tmp_path / "run" / "unet.pt", "--out", tmp_path / "model.pt")
    assert r.returncode == 0, r.stderr
    a, b = load_trained(tmp_path / "run" / "unet.pt"), load_trained(tmp_path / "model.pt")
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    assert all(torch.allclose(sa[k], sb[k], rtol=1e-3, atol=1e-4) for k in sa)
    assert torch.load(tmp_path / "model.pt", weights_only=True)["model"]["unet.unet.conv_in.weight"].dtype == torch.float16
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt", "run"]    # no temporary file (atomic_path's .NAME.PID.tmp.pt) left

def test_eval_model_bad_input(cli_inproc, tmp_path):
    r = cli_inproc("eval-model", "--clips", "1")
    assert r.returncode != 0 and "--clips >= 2" in r.stderr
    r = cli_inproc("eval-model", "--frames", "20")
    assert r.returncode != 0 and "--frames must be >= 46" in r.stderr
    r = cli_inproc("eval-model", "--colour-scale", "-0.1")
    assert r.returncode != 0 and "--colour-scale must be >= 0" in r.stderr
    r = cli_inproc("eval-model", "--checkpoint", tmp_path / "missing.pt")
    assert r.returncode != 0 and "missing.pt" in r.stderr
    from latentsync_nb.syncnet import shipped_syncnet_path
    r = cli_inproc("eval-model", "--checkpoint", shipped_syncnet_path())                # a SyncNet, not a UNet
    assert r.returncode != 0 and "not a latentsync-nb UNet checkpoint" in r.stderr

def test_eval_model_scores_the_shipped_model(cli_inproc):
    "Two held-out clips (their first 64 frames) at 4 DDIM steps: the JSON summary is there, pixels outside the mask untouched."
    import json
    r = cli_inproc("eval-model", "--clips", "2", "--sample-steps", "4", "--frames", "64")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["clips"] == 2 and summary["outside_max_diff"] == 0
    assert {"sync_ratio", "offset_ok_frac", "own_beats_other_frac", "hf_energy_ratio", "lse_c", "lse_d"} <= set(summary)
    image = ["mouth_psnr", "mouth_ssim", "mouth_lpips", "colour_error", "colour_bias", "colour_bias_max", "seam", "flicker"]
    assert set(image) | {f"vae_{k}" for k in image} <= set(summary)
    assert summary["vae_mouth_psnr"] > summary["mouth_psnr"] > 10 and len(summary["colour_bias"]) == 3
    assert "mouth region, mean of 2 clips: PSNR" in r.stdout

def test_bench_train_bad_input(cli_inproc):
    r = cli_inproc("bench", "train", "--minutes", "0")
    assert r.returncode != 0 and "--minutes" in r.stderr
    r = cli_inproc("bench", "train", "--config", "stage2", "--steps", "0")
    assert r.returncode != 0 and "--steps" in r.stderr

def test_train_tiny_runs_both_stages(tmp_path):
    "train_tiny (what `bench train` retrains) takes the tiny presets: one step of each stage, stage 2 from stage 1's checkpoint."
    from latentsync_nb.checkpoints import load_trained
    from latentsync_nb.training import train_tiny
    r = train_tiny(tmp_path, stage1_steps=1, stage2_steps=1, progress=False, log=lambda *a, **k: None,
                   batch_size=1, cache_latents=False, validate_every=0)
    assert (r["stage1"]["steps"], r["stage2"]["steps"]) == (1, 1)
    cfg = torch.load(r["checkpoint"], weights_only=True)["config"]
    assert cfg["stage"] == "stage2" and cfg["init_from"] == str(r["stage1_checkpoint"]) and cfg["colour_variants"] == 4
    assert load_trained(r["checkpoint"]).unet.has_motion
