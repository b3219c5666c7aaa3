"SyncNet: the released layout loads strictly from an official-format file; bad checkpoints fail clearly; the CLI."
import gc, json
import numpy as np
import pytest
import torch

from latentsync_nb.core import CheckpointError
from latentsync_nb.syncnet import StableSyncNet, load_syncnet, read_state_layout, state_layout, shipped_syncnet_path
from tests.conftest import ROOT, kill_after_first_checkpoint

def test_released_checkpoint_round_trip(tmp_path):
    "Build the 401 M-parameter released config, save it exactly as the official trainer does, load it back strictly."
    model = StableSyncNet.from_config("syncnet_16_pixel_attn")
    layout, total = read_state_layout(ROOT / "reference" / "stable_syncnet_16_pixel_attn.state_dict.tsv")
    assert state_layout(model) == layout and sum(p.numel() for p in model.parameters()) == total
    path = tmp_path / "stable_syncnet.pt"
    torch.save({"state_dict": model.state_dict(), "global_step": 1000, "train_step_list": [1000],
                "train_loss_list": [0.5], "val_step_list": [1000], "val_loss_list": [0.5]}, path)
    probe = model.visual_encoder.down_blocks[5].attn.to_q.weight[:3, :3].clone()
    frames, mel = torch.randn(1, 48, 128, 256), torch.randn(1, 1, 80, 52)
    with torch.no_grad(): v0, a0 = model.eval()(frames, mel)
    del model; gc.collect()
    loaded = load_syncnet(path)                       # no config given: the released one is the default
    assert torch.equal(loaded.visual_encoder.down_blocks[5].attn.to_q.weight[:3, :3], probe)
    with torch.no_grad(): v1, a1 = loaded(frames, mel)
    assert torch.allclose(v0, v1, atol=1e-5) and torch.allclose(a0, a1, atol=1e-5)
    assert (v1 >= 0).all() and torch.allclose(v1.norm(dim=1), torch.ones(1))     # official head: ReLU'd, unit length

def test_ddp_prefix_and_safetensors(tmp_path):
    from safetensors.torch import save_file
    model = StableSyncNet.from_config("tiny")
    torch.save({"state_dict": {f"module.{k}": v for k, v in model.state_dict().items()}}, tmp_path / "ddp.pt")
    assert torch.equal(load_syncnet(tmp_path / "ddp.pt", config="tiny").audio_encoder.conv_in.weight, model.audio_encoder.conv_in.weight)
    save_file(model.state_dict(), str(tmp_path / "w.safetensors"))
    assert torch.equal(load_syncnet(tmp_path / "w.safetensors", config="tiny").audio_encoder.conv_in.weight, model.audio_encoder.conv_in.weight)

@pytest.mark.parametrize("damage, message", [
    (lambda sd: sd.pop("audio_encoder.norm_out.bias"), "1 missing"),
    (lambda sd: sd.update(extra=torch.zeros(1)), "1 unexpected"),
    (lambda sd: sd.update({"audio_encoder.conv_in.bias": torch.zeros(7)}), "wrong shape"),
    (lambda sd: sd["visual_encoder.conv_in.weight"].fill_(float("nan")), "NaN or infinite weights"),
])
def test_damaged_checkpoints_name_the_problem(tmp_path, damage, message):
    sd = StableSyncNet.from_config("tiny").state_dict()
    damage(sd)
    torch.save({"state_dict": sd}, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match=message): load_syncnet(tmp_path / "bad.pt", config="tiny")

def test_not_a_checkpoint(tmp_path):
    (tmp_path / "x.pt").write_bytes(b"\x00" * 100)
    with pytest.raises(CheckpointError, match="not a readable PyTorch checkpoint"): load_syncnet(tmp_path / "x.pt")
    with pytest.raises(FileNotFoundError): load_syncnet(tmp_path / "missing.pt")

def test_offline_hub_id_fails_clearly(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)   # read at import: set it too (no 20 s of retries)
    with pytest.raises(CheckpointError, match="Hugging Face Hub"): load_syncnet("ByteDance/LatentSync-1.5")

def test_wrong_inputs_are_rejected():
    model = StableSyncNet.from_config("tiny")
    with pytest.raises(ValueError, match="expected \\(b, 48, 32, 64\\)"): model(torch.zeros(1, 45, 32, 64), torch.zeros(1, 1, 80, 52))
    with pytest.raises(ValueError, match="mel"): model(torch.zeros(1, 48, 32, 64), torch.zeros(1, 1, 80, 40))
    bad = torch.zeros(1, 48, 32, 64); bad[0, 0, 0, 0] = float("inf")
    with pytest.raises(ValueError, match="NaN or infinite"): model(bad, torch.zeros(1, 1, 80, 52))

def test_shipped_checkpoint_is_small_and_loads():
    path = shipped_syncnet_path()
    assert path.exists() and path.stat().st_size < 8 * 2**20
    model = load_syncnet()
    assert model.config.face_size == 64 and not model.training

def test_eval_cli_finds_the_known_shift(cli_inproc):
    r = cli_inproc("eval", ROOT / "data_samples" / "clips" / "shifted_00.mp4", "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert abs(result["best_offset"] - 4) <= 1 and result["lse_c"] > 0
    r = cli_inproc("eval", ROOT / "data_samples" / "clips" / "s6_00.mp4")
    assert r.returncode == 0 and "best offset" in r.stdout

def test_eval_cli_bad_input(cli, tmp_path):
    r = cli("eval", tmp_path / "missing.mp4")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "no such file" in r.stderr
    r = cli("eval", ROOT / "data_samples" / "clips" / "s6_00.mp4", "--checkpoint", ROOT / "README.md")
    assert r.returncode == 1 and "not a readable PyTorch checkpoint" in r.stderr

def test_killed_run_resumes_with_the_same_losses(cli_inproc, tmp_path):
    "SIGKILL a training run after a checkpoint, resume it: its per-step losses equal an uninterrupted run's; then train it on."
    args = ["train-syncnet", "--steps", "8", "--batch-size", "8", "--eval-every", "2", "--eval-pairs", "32"]
    full = cli_inproc(*args, "--out", tmp_path / "full")
    assert full.returncode == 0, full.stderr
    run = tmp_path / "killed"
    killed_at = kill_after_first_checkpoint([*args, "--out", run], run / "syncnet.pt")
    assert killed_at < 8, "the run finished before it could be killed"
    resumed = cli_inproc(*args, "--out", run)
    assert resumed.returncode == 0, resumed.stderr
    a = torch.load(tmp_path / "full" / "syncnet.pt", weights_only=True)["history"]
    b = torch.load(run / "syncnet.pt", weights_only=True)["history"]
    assert b["step"][-1] == 8 and b["step"] == a["step"]
    assert np.allclose(a["loss"], b["loss"], atol=1e-4)
    assert [v["acc"] for v in a["val"]] == [v["acc"] for v in b["val"]]
    assert not [p for p in run.iterdir() if p.name.startswith(".")]          # no temp files left behind
    assert sorted(p.name for p in run.iterdir()) == ["syncnet.pt", "training.png"]
    longer = cli_inproc(*args[:2], "10", *args[3:], "--out", run)                     # a finished run trained on to more steps
    assert longer.returncode == 0, longer.stderr
    c = torch.load(run / "syncnet.pt", weights_only=True)
    assert c["step"] == 10 and [v["step"] for v in c["history"]["val"]] == [2, 4, 6, 8, 10]
    assert c["history"]["loss"][:len(b["loss"])] == b["loss"]
