"""An independent forward pass of the official LatentSync UNet, written from the facts (../shared/reference/latentsync_facts.md,
"Model" and "UNet numerics") straight onto the official tensor names, with torch.nn.functional only: no diffusers, nothing
from latentsync_nb. Clips stay (b, c, f, h, w); 2-D layers run frame by frame."""
import math
import torch
import torch.nn.functional as F

def frames(x):
    "(b, c, f, h, w) -> (b*f, c, h, w)"
    b, c, f, h, w = x.shape
    return x.transpose(1, 2).reshape(b * f, c, h, w)

def clip(y, b):
    "(b*f, c, h, w) -> (b, c, f, h, w)"
    bf, c, h, w = y.shape
    return y.view(b, bf // b, c, h, w).transpose(1, 2)

def linear(sd, p, x): return F.linear(x, sd[p + ".weight"], sd.get(p + ".bias"))

def conv(sd, p, x, stride=1):
    "A 2-D convolution of each frame of a clip, 'same' padding."
    w = sd[p + ".weight"]
    return clip(F.conv2d(frames(x), w, sd.get(p + ".bias"), stride=stride, padding=w.shape[-1] // 2), x.shape[0])

def norm_over_clip(sd, p, x, groups, eps):
    "GroupNorm whose statistics span every frame of the clip (a plain GroupNorm on the 5-D tensor)."
    return F.group_norm(x, groups, sd[p + ".weight"], sd[p + ".bias"], eps)

def norm_per_frame(sd, p, x, groups, eps):
    return clip(F.group_norm(frames(x), groups, sd[p + ".weight"], sd[p + ".bias"], eps), x.shape[0])

def layer_norm(sd, p, x): return F.layer_norm(x, x.shape[-1:], sd[p + ".weight"], sd[p + ".bias"], 1e-5)

def attention(sd, p, x, context, heads):
    "Multi-head attention of tokens x (n, L, c) to context (n, S, d)."
    q, k, v = linear(sd, p + ".to_q", x), linear(sd, p + ".to_k", context), linear(sd, p + ".to_v", context)
    n, length, c = q.shape
    d = c // heads
    split = lambda t: t.reshape(n, -1, heads, d).transpose(1, 2)                    # (n, heads, tokens, d)
    weights = (split(q) @ split(k).transpose(-1, -2) / math.sqrt(d)).softmax(-1)
    return linear(sd, p + ".to_out.0", (weights @ split(v)).transpose(1, 2).reshape(n, length, c))

def geglu(sd, p, x):
    hidden, gate = linear(sd, p + ".net.0.proj", x).chunk(2, dim=-1)
    return linear(sd, p + ".net.2", hidden * F.gelu(gate))

def resnet(sd, p, x, temb, groups):
    "GroupNorm over the clip, SiLU, conv per frame, + time embedding, again, + shortcut."
    h = conv(sd, p + ".conv1", F.silu(norm_over_clip(sd, p + ".norm1", x, groups, 1e-5)))
    h = h + linear(sd, p + ".time_emb_proj", F.silu(temb))[:, :, None, None, None]
    h = conv(sd, p + ".conv2", F.silu(norm_over_clip(sd, p + ".norm2", h, groups, 1e-5)))
    skip = conv(sd, p + ".conv_shortcut", x) if p + ".conv_shortcut.weight" in sd else x
    return skip + h

def spatial_transformer(sd, p, x, audio, groups, heads):
    "Per frame: GroupNorm, 1x1 proj_in, self-attention, cross-attention to the frame's own audio tokens, GEGLU, proj_out."
    b, c, f, h, w = x.shape
    y = conv(sd, p + ".proj_in", norm_per_frame(sd, p + ".norm", x, groups, 1e-6))
    t = frames(y).flatten(2).transpose(1, 2)                                          # (b*f, h*w, c)
    context = audio.flatten(0, 1)                                                     # (b*f, tokens, d)
    blk = p + ".transformer_blocks.0"
    n1 = layer_norm(sd, blk + ".norm1", t)
    t = attention(sd, blk + ".attn1", n1, n1, heads) + t
    t = attention(sd, blk + ".attn2", layer_norm(sd, blk + ".norm2", t), context, heads) + t
    t = geglu(sd, blk + ".ff", layer_norm(sd, blk + ".norm3", t)) + t
    y = clip(t.transpose(1, 2).reshape(b * f, c, h, w), b)
    return conv(sd, p + ".proj_out", y) + x

def motion_module(sd, p, x, groups, heads):
    "Per-frame GroupNorm, linear proj_in, two temporal self-attentions over the frames (positions added to the normalised input), GEGLU, proj_out, residual."
    b, c, f, h, w = x.shape
    q = p + ".temporal_transformer"
    t = norm_per_frame(sd, q + ".norm", x, groups, 1e-6).permute(0, 3, 4, 2, 1).reshape(b * h * w, f, c)
    t = linear(sd, q + ".proj_in", t)
    blk = q + ".transformer_blocks.0"
    for j in (0, 1):
        n = layer_norm(sd, f"{blk}.norms.{j}", t) + sd[f"{blk}.attention_blocks.{j}.pos_encoder.pe"][:, :f]
        t = attention(sd, f"{blk}.attention_blocks.{j}", n, n, heads) + t
    t = geglu(sd, blk + ".ff", layer_norm(sd, blk + ".ff_norm", t)) + t
    t = linear(sd, q + ".proj_out", t)
    return t.reshape(b, h, w, f, c).permute(0, 4, 3, 1, 2) + x

def timestep_embedding(t, dim):
    "Sinusoidal timestep features, cosines first (flip_sin_to_cos, frequency shift 0)."
    half = dim // 2
    args = t.float()[:, None] * torch.exp(-math.log(10000) * torch.arange(half) / half)[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)

def official_forward(sd, config, sample, timesteps, audio):
    "Predicted noise (b, 4, f, h, w) from the 13-channel input (b, 13, f, h, w), timesteps (b,), audio tokens (b, f, 50, d)."
    channels, groups, heads = config["block_out_channels"], config["norm_num_groups"], config["attention_head_dim"]
    mheads, layers, b = config["motion_module_kwargs"]["num_attention_heads"], config["layers_per_block"], sample.shape[0]
    temb = linear(sd, "time_embedding.linear_2", F.silu(linear(sd, "time_embedding.linear_1", timestep_embedding(timesteps, channels[0]))))

    def layer(p, x, attn):
        x = resnet(sd, p.format("resnets"), x, temb, groups)
        if attn: x = spatial_transformer(sd, p.format("attentions"), x, audio, groups, heads)
        if p.format("motion_modules") + ".temporal_transformer.norm.weight" in sd: x = motion_module(sd, p.format("motion_modules"), x, groups, mheads)
        return x

    x = conv(sd, "conv_in", sample)
    skips = [x]
    for i, kind in enumerate(config["down_block_types"]):
        for j in range(layers):
            x = layer(f"down_blocks.{i}.{{}}.{j}", x, kind.startswith("CrossAttn")); skips.append(x)
        if i < len(channels) - 1: x = conv(sd, f"down_blocks.{i}.downsamplers.0.conv", x, stride=2); skips.append(x)
    x = resnet(sd, "mid_block.resnets.0", x, temb, groups)
    x = spatial_transformer(sd, "mid_block.attentions.0", x, audio, groups, heads)
    x = resnet(sd, "mid_block.resnets.1", x, temb, groups)
    for i, kind in enumerate(config["up_block_types"]):
        for j in range(layers + 1):
            x = layer(f"up_blocks.{i}.{{}}.{j}", torch.cat([x, skips.pop()], dim=1), kind.startswith("CrossAttn"))
        if i < len(channels) - 1:
            up = clip(F.interpolate(frames(x), scale_factor=2.0, mode="nearest"), b)
            x = conv(sd, f"up_blocks.{i}.upsamplers.0.conv", up)
    return conv(sd, "conv_out", F.silu(norm_over_clip(sd, "conv_norm_out", x, groups, 1e-5)))
