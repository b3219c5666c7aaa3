"The console script: help for every subcommand, the demo, benches' JSON, one-line errors on bad input."
import json
import pytest
import torch

from tests.conftest import ROOT

CLIP = str(ROOT / "data_samples" / "clips" / "s6_00.mp4")
SYNCNET = str(ROOT / "latentsync_nb" / "weights" / "syncnet_tiny.pt")

SUBCOMMANDS = [["demo"], ["show-sample"], ["infer"], ["make-samples"], ["bench"], ["bench", "mel"], ["bench", "syncnet"], ["bench", "losses"], ["bench", "objective"],
               ["train-syncnet"], ["export-syncnet"], ["eval"], ["pretrain-videomae"], ["train"], ["export-model"],
               ["eval-model"], ["bench", "train"], ["bench", "infer"]]

def test_top_level_help_lists_subcommands(cli):
    r = cli("--help")
    assert r.returncode == 0
    for name in ("demo", "infer", "show-sample", "make-samples", "bench", "train-syncnet", "eval"): assert name in r.stdout

@pytest.mark.parametrize("sub", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_has_help(cli_inproc, sub):
    r = cli_inproc(*sub, "--help")
    assert r.returncode == 0 and "usage: latentsync-nb" in r.stdout

def test_no_subcommand_is_an_error(cli):
    r = cli()
    assert r.returncode == 2 and "required" in r.stderr

def test_show_sample_writes_png_and_nothing_else(cli, tmp_path):
    r = cli("show-sample", "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["sample_s6_00.png"]
    png = (tmp_path / "out" / "sample_s6_00.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert "sample_s6_00.png" in r.stdout

@pytest.mark.parametrize("args, message", [
    (["show-sample", "--clip", "nope"], "No clip 'nope'"),
    (["show-sample", "--samples", "/nonexistent/corpus"], "manifest.json does not exist"),
    (["demo", "--video-clip", "nope", "--out", "{tmp}/demo"], "No clip 'nope'"),
    (["demo", "--steps", "0", "--out", "{tmp}/demo"], "--steps must be >= 1"),
    (["bench", "infer", "--steps", "0"], "--steps must be >= 1"),
    (["make-samples", "{tmp}", "--only", "zz_99"], "Unknown clip ids"),
    (["bench", "mel", "--seconds", "0"], "--seconds must be > 0"),
    (["bench", "syncnet", "--minutes", "0"], "--minutes must be > 0"),
    (["train-syncnet", "--out", "{tmp}/run", "--steps", "0"], "--steps must be >= 1"),
    (["bench", "losses", "--repeats", "0"], "--repeats must be >= 1"),
    (["bench", "losses", "--size", "8"], "--size must be >= 16"),
    (["train-syncnet", "--out", "{tmp}/run", "--eval-pairs", "0"], "--eval-pairs must be >= 1"),
    (["bench", "objective", "--repeats", "0"], "--repeats must be >= 1"),
    (["pretrain-videomae", "--out", "{tmp}/v.pt", "--steps", "0"], "--steps must be >= 1"),
    (["train", "--out", "{tmp}/run", "--steps", "0"], "--steps must be >= 1"),
    (["train", "--out", "{tmp}/run", "--set", "nonsense=1"], "expected KEY=VALUE with KEY one of"),
    (["train", "--steps", "3"], "--out DIR is required"),
    (["train", "--config", "{tmp}/missing.yaml", "--out", "{tmp}/run"], "neither a preset"),
    (["eval-model", "--sample-steps", "0"], "--sample-steps must be >= 1"),
    (["pretrain-videomae", "--out", "{tmp}/v.pt", "--samples", "/nonexistent/corpus"], "manifest.json does not exist"),
    (["train", "--out", "{tmp}/run", "--set", "lr=abc"], "--set lr=abc: lr takes float, got 'abc'"),
    (["train", "--out", "{tmp}/run", "--set", "n_items=0"], "n_items must be >= 1, got 0"),
    (["train", "--out", "{tmp}/run", "--set", "unet=huge"], "unet must be one of 'official', 'tiny', got 'huge'"),
    (["train", "--out", "{tmp}/run", "--set", "cache_latents=maybe"], "cache_latents takes bool (true or false)"),
    (["export-model", SYNCNET, "--out", "{tmp}/x.pt"], "is not a latentsync-nb UNet checkpoint: it has no 'model'"),
    (["eval-model", "--guidance", "nan"], "--guidance must be a number >= 0, got nan"),
    (["infer", "--video", CLIP, "--audio", CLIP, "--out", "{tmp}/o.mp4", "--guidance", "nan"], "--guidance must be"),
    (["eval", CLIP, "--max-offset", "-1"], "--max-offset must be >= 0"),
    (["eval", CLIP, "--device", "gpu"], "'gpu' is not a torch device name"),
])
def test_bad_input_gives_one_line_and_exit_1(cli_inproc, tmp_path, args, message):
    r = cli_inproc(*[a.format(tmp=tmp_path) for a in args])
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and message in r.stderr and "Traceback" not in r.stderr
    assert not list(tmp_path.iterdir())                     # nothing half-written

def test_console_script_reports_bad_input_on_stderr(cli, tmp_path):
    "The installed script itself (not just main()): one line on stderr, exit code 1, nothing written."
    r = cli("train-syncnet", "--out", tmp_path / "run", "--steps", "0")
    assert r.returncode == 1 and r.stderr.strip() == "latentsync-nb train-syncnet: error: --steps must be >= 1"
    assert not list(tmp_path.iterdir())

def test_bench_mel_last_line_is_json(cli):
    r = cli("bench", "mel", "--seconds", "5", "--repeats", "2")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) >= 2 and "real time" in lines[0]
    figures = json.loads(lines[-1])
    assert figures["audio_s"] == 5 and figures["threads"] == 1
    assert figures["mel_realtime_factor"] == pytest.approx(5 / figures["mel_s"], rel=0.01)

def test_train_config_file_round_trip(cli_inproc, tmp_path):
    "--print-config writes a YAML a user can edit and pass back as --config."
    r = cli_inproc("train", "--config", "tiny_stage2", "--print-config", "--set", "lr=3e-5")
    assert r.returncode == 0, r.stderr
    assert "stage: stage2" in r.stdout and "lr: 3.0e-05" in r.stdout
    (tmp_path / "mine.yaml").write_text(r.stdout)
    again = cli_inproc("train", "--config", tmp_path / "mine.yaml", "--print-config")
    assert again.returncode == 0 and again.stdout == r.stdout

def test_bench_gpu_without_a_gpu_says_so(cli_inproc):
    import json, torch
    if torch.cuda.is_available(): pytest.skip("a GPU is present: `latentsync-nb bench gpu` runs the real check")
    r = cli_inproc("bench", "gpu")
    assert r.returncode == 0 and "no GPU" in r.stdout
    assert json.loads(r.stdout.strip().splitlines()[-1]) == {"gpu": False}
    r = cli_inproc("bench", "gpu", "--train-steps", "0")
    assert r.returncode != 0 and "--train-steps" in r.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a CUDA GPU")
@pytest.mark.parametrize("args", [["eval", CLIP], ["infer", "--video", CLIP, "--audio", CLIP, "--out", "{tmp}/o.mp4"],
                                  ["demo", "--out", "{tmp}/demo"], ["train", "--out", "{tmp}/run"],
                                  ["train-syncnet", "--out", "{tmp}/run"], ["pretrain-videomae", "--out", "{tmp}/v.pt"],
                                  ["eval-model", "--clips", "2"], ["bench", "syncnet", "--minutes", "0.1"],
                                  ["sweep", "--out", "{tmp}/s.db"]],
                         ids=lambda a: a[0])
def test_cuda_without_a_gpu_is_one_line(cli_inproc, tmp_path, args):
    r = cli_inproc(*[a.format(tmp=tmp_path) for a in args], "--device", "cuda")
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "torch sees no CUDA GPU on this machine; use cpu" in r.stderr
    assert not list(tmp_path.iterdir())


def test_missing_optional_package_names_the_install(cli_inproc, tmp_path):
    pytest.importorskip("cv2")
    if __import__("importlib").util.find_spec("insightface") is not None:
        pytest.skip("insightface is installed here")
    r = cli_inproc("infer", "--video", CLIP, "--audio", CLIP, "--out", tmp_path / "o.mp4", "--detector", "insightface")
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "pip install insightface onnxruntime" in r.stderr and "Traceback" not in r.stderr
    assert not list(tmp_path.iterdir())


def test_resuming_from_an_exported_model_says_what_to_do(cli_inproc, tmp_path):
    "An exported model (no optimiser) in OUT/unet.pt: one line pointing to --init-from, the file left as it was."
    run = tmp_path / "run"
    run.mkdir()
    exported = ROOT / "latentsync_nb" / "weights" / "latentsync_tiny.pt"
    (run / "unet.pt").write_bytes(exported.read_bytes())
    r = cli_inproc("train", "--config", "tiny-stage2", "--out", run, "--steps", "1")
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "is not a resumable checkpoint: it has no 'optimizer'" in r.stderr and "--init-from" in r.stderr
    assert sorted(p.name for p in run.iterdir()) == ["unet.pt"]
    assert (run / "unet.pt").read_bytes() == exported.read_bytes()


@pytest.mark.parametrize("error, message", [
    (KeyError("state"), "KeyError: 'state' (unexpected: run again with --debug for the traceback"),
    (torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
     "the GPU ran out of memory (CUDA out of memory. Tried to allocate 2.00 GiB): lower --batch-size"),
    (ModuleNotFoundError("No module named 'skimage'", name="skimage"), "pip install scikit-image"),
], ids=["unexpected", "cuda-oom", "missing-module"])
def test_any_failure_is_one_line_and_debug_shows_the_traceback(cli_inproc, monkeypatch, error, message):
    import latentsync_nb.cli as cli_module

    def fail(args):
        raise error

    monkeypatch.setattr(cli_module, "_show_sample", fail)
    r = cli_inproc("show-sample")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    for argv in (["--debug", "show-sample"], ["show-sample", "--debug"]):
        with pytest.raises(type(error)):
            cli_module.main(argv)
