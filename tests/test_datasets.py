"Datasets are deterministic across DataLoader workers (a multi-process property a notebook cannot show well)."
import torch
from torch.utils.data import DataLoader

from latentsync_nb.data import SyncNetDataset, UNetDataset, load_manifest

def _collect(ds, workers):
    dl = DataLoader(ds, batch_size=4, num_workers=workers, shuffle=False)
    return [b for b in dl]

def test_syncnet_dataset_same_items_with_workers():
    ds = SyncNetDataset(load_manifest(split="train")[:4], n_items=16, size=64, seed=3)
    single, multi = _collect(ds, 0), _collect(ds, 2)
    for a, b in zip(single, multi):
        assert torch.equal(a["frames"], b["frames"]) and torch.equal(a["mel"], b["mel"]) and torch.equal(a["label"], b["label"])
    labels = torch.cat([b["label"] for b in single])
    assert labels.sum() == len(labels) / 2                                # balanced

def test_unet_dataset_same_items_with_workers():
    ds = UNetDataset(load_manifest(split="test")[:2], n_items=6, size=64, seed=0)
    single, multi = _collect(ds, 0), _collect(ds, 2)
    for a, b in zip(single, multi):
        assert torch.equal(a["gt"], b["gt"]) and torch.equal(a["ref"], b["ref"]) and torch.equal(a["audio"], b["audio"])
    assert single[0]["gt"].shape == (4, 3, 16, 64, 64)
