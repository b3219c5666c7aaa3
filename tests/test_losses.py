"Losses from the command line: `bench losses` and `bench objective` figures, `pretrain-videomae` writing a loadable encoder."
import json
import torch

def test_bench_losses_reports_each_loss_and_config(cli):
    r = cli("bench", "losses", "--repeats", "1", "--device", "cpu", "--size", "128")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert set(figures) == {"lpips", "trepa"}
    assert set(figures["lpips"]) == {"vgg"} and set(figures["trepa"]) == {"tiny"}
    for per in figures.values():
        for v in per.values():
            assert v["ms"] > 0 and v["peak_mb"] > 0 and v["frames"] == 16 and v["size"] == 128
    # LPIPS runs VGG16 on 16 lower halves of 64 x 128; the tiny TREPA encodes 2 clips of 16 x 64 x 64: far cheaper
    assert figures["lpips"]["vgg"]["ms"] > figures["trepa"]["tiny"]["ms"]
    assert any(l.startswith("lpips") and " ms " in l for l in lines[:-1])

def test_pretrain_videomae_writes_a_loadable_encoder(cli, tmp_path):
    from latentsync_nb.trepa import TREPALoss, load_clip_encoder
    out = tmp_path / "videomae.pt"
    r = cli("pretrain-videomae", "--out", out, "--steps", "3")
    assert r.returncode == 0, r.stderr
    assert "3 steps" in r.stdout and out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["videomae.pt"]            # no temp files left behind
    ckpt = torch.load(out, weights_only=True)
    assert ckpt["pretraining"]["steps"] == 3 and len(ckpt["history"]["loss"]) == 1
    loss = TREPALoss(load_clip_encoder(out))
    x = torch.rand(1, 3, 16, 64, 64) * 2 - 1
    assert loss(x, x).item() == 0 and loss(x, x.flip(2)).item() > 0

def test_bench_objective_times_every_term(cli):
    r = cli("bench", "objective", "--repeats", "1")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert set(figures["ms"]) == {"decode", "recon", "sync", "lpips", "trepa", "total"}
    assert all(v > 0 for v in figures["ms"].values())
    # recon is one MSE on latents; every pixel term pays for the decode, so costs more than recon
    assert all(figures["ms"][t] > figures["ms"]["recon"] for t in ("sync", "lpips", "trepa"))
    assert len(lines) == 7 and lines[0].startswith("decode")
