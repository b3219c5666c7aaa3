"The objective's weighing tools used from the package (not the notebook's namespace): plot, explorer, variations."
import matplotlib
matplotlib.use("Agg")
import pytest
import torch
from latentsync_nb.objective import LOSS_PRESETS, TERMS, LossWeights
from latentsync_nb.weighting import TermProfile, mean_profile, plot_weighting, weight_explorer, weight_variations

@pytest.fixture
def profiles():
    g = torch.Generator().manual_seed(0)
    out = {}
    for t in (100, 900):
        grads = torch.randn(4, 50, generator=g, dtype=torch.float64)          # raw gradients of the four terms
        out[t] = TermProfile(TERMS, torch.rand(4, generator=g, dtype=torch.float64), grads @ grads.T, f"t={t}")
    return out

def test_weigh_matches_the_gradients_it_summarises(profiles):
    p = profiles[100]
    w = LossWeights(recon=1, sync=0.5, lpips=0.1, trepa=2)
    r = p.weigh(w)
    grads = torch.linalg.cholesky(p.gram)                                      # any G = L L^T: rows of L as gradients
    vec = sum(getattr(w, n) * grads[i] for i, n in enumerate(TERMS))
    assert r["total"]["grad_norm"] == pytest.approx(vec.norm().item(), rel=1e-9)
    assert sum(r[n]["grad_share"] for n in TERMS) == pytest.approx(1.0)
    assert r["sync"]["weighted"] == pytest.approx(0.5 * p.raw[1].item())

def test_plot_and_explorer_work_from_the_package(profiles):
    allp = {**profiles, "mean": mean_profile(profiles.values())}
    fig = plot_weighting(allp, LossWeights())
    assert len(fig.axes) == 2
    box = weight_explorer(allp)
    box.sliders["lpips"].value = 0.0
    assert box.state["lpips"]["grad_share"] == 0.0 and box.bars["lpips"][1].value == 0.0
    box.presets["stage2_efficient"].click()
    assert box.weights == LOSS_PRESETS["stage2_efficient"]
    box.measurement.value = "t=900"
    assert box.profile is allp[900]

def test_variations_cover_each_weight_both_ways():
    v = weight_variations()
    assert v["official"] == LossWeights() and v["Wav2Lip sync 0.03"].sync == 0.03
    assert v["trepa ×10"].trepa == 100 and v["sync ×0.1"].sync == pytest.approx(0.005)
    assert len(v) == 2 + 2 * len(TERMS)
