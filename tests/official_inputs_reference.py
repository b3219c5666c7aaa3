"""What LatentSync hands its UNet, written independently from the facts (../shared/reference/latentsync_facts.md,
"UNet inputs, exactly" and "Whisper features, exactly"): numpy and plain torch, no code from latentsync_nb.

Used by tests/test_official_fidelity.py to check the library's inputs against it."""
import math
from pathlib import Path

import cv2
import librosa
import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent


def mask_png(resolution: int) -> np.ndarray:
    "mask.png read as RGB (uint8 255 = kept, 0 = redrawn), resized with Lanczos, / 255: (R, R, 3) float."
    png = np.full((256, 256), 255, np.uint8)
    for line in (ROOT / "reference" / "latentsync_mask_256.tsv").read_text().splitlines():
        if line and not line.startswith("#"):
            row, runs = line.split("\t")
            for run in runs.split(","):
                a, b = (int(x) for x in run.split("-"))
                png[int(row), a:b] = 0
    rgb = np.repeat(png[..., None], 3, axis=2)
    rgb = cv2.resize(rgb, (resolution, resolution), interpolation=cv2.INTER_LANCZOS4)
    return rgb / 255.0


def unet_pixel_inputs(faces: np.ndarray, resolution: int):
    "Aligned faces (f, R, R, 3) uint8 -> pixel values (f, 3, R, R) in [-1, 1], masked pixel values, mask channel at R/8."
    mask = torch.from_numpy(mask_png(resolution)).permute(2, 0, 1).float()         # (3, R, R), 1 = kept
    pixels = torch.from_numpy(faces).permute(0, 3, 1, 2).float() / 255            # (f, 3, R, R) in [0, 1]
    pixels = (pixels - 0.5) / 0.5
    masked = pixels * mask
    channel = F.interpolate(mask[None, :1], size=(resolution // 8, resolution // 8))   # default mode: nearest
    return pixels, masked, channel[0, 0]


def encode(vae, pixels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    "vae.encode(x).latent_dist.sample(generator), then (z - 0) * 0.18215: (f, 4, R/8, R/8)."
    with torch.no_grad():
        z = vae.encode(pixels.to(vae.dtype)).latent_dist.sample(generator)
    return ((z - 0.0) * 0.18215).float()


def log_mel(wav: np.ndarray) -> np.ndarray:
    "Whisper's log-mel of a whole file in numpy: (80, len // 160)."
    n_fft, hop = 400, 160
    padded = np.pad(wav.astype(np.float64), n_fft // 2, mode="reflect")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)              # periodic Hann
    n_frames = 1 + (len(padded) - n_fft) // hop
    frames = np.stack([padded[i * hop:i * hop + n_fft] * window for i in range(n_frames)], axis=1)
    power = np.abs(np.fft.rfft(frames, axis=0)) ** 2                               # (201, n_frames)
    power = power[:, :-1]                                                         # the last frame is dropped
    filters = librosa.filters.mel(sr=16000, n_fft=n_fft, n_mels=80)
    log = np.log10(np.maximum(filters @ power, 1e-10))
    log = np.maximum(log, log.max() - 8.0)                                        # over the whole file
    return ((log + 4.0) / 4.0).astype(np.float32)


def encoder_layers(state: dict, mel: np.ndarray, heads: int) -> list:
    "openai-whisper's encoder on its own key names: the embedding output and each block's output (before ln_post)."
    sd = {k.removeprefix("encoder."): v.float() for k, v in state.items() if k.startswith("encoder.")}
    lin = lambda p, x: F.linear(x, sd[p + ".weight"], sd.get(p + ".bias"))
    ln = lambda p, x: F.layer_norm(x, x.shape[-1:], sd[p + ".weight"], sd[p + ".bias"])
    x = torch.from_numpy(mel)[None]
    x = F.gelu(F.conv1d(x, sd["conv1.weight"], sd["conv1.bias"], padding=1))
    x = F.gelu(F.conv1d(x, sd["conv2.weight"], sd["conv2.bias"], stride=2, padding=1)).transpose(1, 2)
    x = x + sd["positional_embedding"]
    outs = [x]
    blocks = sorted({int(k.split(".")[1]) for k in sd if k.startswith("blocks.")})
    for i in blocks:
        h = ln(f"blocks.{i}.attn_ln", x)
        q, k, v = (lin(f"blocks.{i}.attn.{w}", h).unflatten(-1, (heads, -1)).transpose(1, 2) for w in ("query", "key", "value"))
        attn = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).softmax(-1) @ v
        x = x + lin(f"blocks.{i}.attn.out", attn.transpose(1, 2).flatten(2))
        x = x + lin(f"blocks.{i}.mlp.2", F.gelu(lin(f"blocks.{i}.mlp.0", ln(f"blocks.{i}.mlp_ln", x))))
        outs.append(x)
    return [o[0] for o in outs]                                                   # each (1500, width)


def whisper_features(state: dict, wav: np.ndarray, heads: int) -> torch.Tensor:
    "LatentSync's audio features of a file: (T, 5, width), 30 s mel segments padded with 0.0."
    mel = log_mel(wav)
    parts = []
    with torch.no_grad():
        for start in range(0, mel.shape[1], 3000):
            segment = mel[:, start:start + 3000]
            padded = np.pad(segment, ((0, 0), (0, 3000 - segment.shape[1])), constant_values=0.0)
            layers = torch.stack(encoder_layers(state, padded, heads), dim=1)      # (1500, 5, width)
            parts.append(layers[:segment.shape[1] // 2])
    return torch.cat(parts)


def frame_tokens(features: torch.Tensor, frame: int) -> torch.Tensor:
    "Video frame `frame`'s 50 tokens: steps [c - 4, c + 6) around c = int(frame * 50 / 25), clamped, step-major."
    c = int(frame * 50 / 25)
    steps = [min(max(s, 0), len(features) - 1) for s in range(c - 4, c + 6)]
    return features[steps].flatten(0, 1)                                          # (10 * 5, width)
