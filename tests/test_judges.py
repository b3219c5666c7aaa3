"The offline judges (02, 03): the trained LPIPS backbone is what it says it is; TREPA's motion pairs are fair twins."
import pytest, torch

def test_tiny_lpips_backbone_is_labelled_loaded_and_checked(tmp_path):
    "LipLPIPS('tiny') runs the shipped lower-face VGG16 (not the random one), says so, and refuses a wrong file."
    from latentsync_nb.core import save_checkpoint
    from latentsync_nb.perceptual import TINY_BACKBONE, LipLPIPS, LPIPSWeightsError, lips_vgg_state
    tiny, random = LipLPIPS("tiny"), LipLPIPS("random")
    assert tiny.backbone == TINY_BACKBONE and "not ImageNet" in tiny.backbone
    state = lips_vgg_state()
    assert torch.equal(tiny.lpips.net.slice1[0].weight, state["features.0.weight"])     # the file's first convolution
    assert not torch.equal(tiny.lpips.net.slice1[0].weight, random.lpips.net.slice1[0].weight)
    save_checkpoint({"state_dict": {}}, tmp_path / "other.pt")
    with pytest.raises(LPIPSWeightsError, match="holds no 'features'"): lips_vgg_state(tmp_path / "other.pt")

def test_motion_pairs_damage_each_frame_as_their_twin_does():
    "Flicker and its twin change every frame by the same amount; jitter and its twin move every frame as far."
    from latentsync_nb.data import keep_mask
    from latentsync_nb.trepa import MotionTuneConfig, damage_pairs
    g = torch.Generator().manual_seed(0)
    clip = torch.rand(3, 40, 32, 32, generator=g) * 0.5 - 0.25                           # (3, n, s, s): no clamping
    keep = torch.from_numpy(keep_mask(32))
    w, pairs = damage_pairs(clip, 5, keep, MotionTuneConfig(), g)
    assert w.shape == (1, 3, 16, 32, 32) and len(pairs) == 4
    (flick, bright), (jit, shifted), (shuffled, _), (late, soft) = pairs
    per_frame = lambda x: (x - w).abs().mean(dim=(0, 1, 3, 4))                            # (f,)
    torch.testing.assert_close(per_frame(flick), per_frame(bright))                       # same size, other signs
    moved = lambda x: [min(range(-3, 4), key=lambda s: (torch.roll(w[0, :, i], s, -1) - x[0, :, i])[..., 4:-4].abs().mean())
                       for i in range(16)]
    assert [abs(s) for s in moved(jit)] == [abs(s) for s in moved(shifted)]               # as far, in varying directions
    assert len(set(moved(shifted))) == 1
    assert torch.allclose(shuffled[0].sum(1), w[0].sum(1), atol=1e-5)                              # the same frames, reordered
    outside = keep > 0.99
    assert torch.equal(late[..., outside], w[..., outside])                               # only the mouth region moved in time
    assert not torch.equal(late, w) and soft.shape == w.shape
