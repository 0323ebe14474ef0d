"""Image transforms (autograd.data.transforms) against PyTorch, which torchvision's tensor transforms are built on:
`Resize` is `interpolate(mode='bilinear', align_corners=False)`, `Normalize` `(x - mean) / std` per channel,
`ToTensor` a uint8 (H, W[, C]) image to float (C, H, W) / 255."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd.data.transforms import Compose, Normalize, Resize, ToTensor, transform_batch


def _torch():
    return pytest.importorskip("torch")


sides = st.integers(1, 12)


@given(h=sides, w=sides, out_h=st.integers(1, 30), out_w=st.integers(1, 30), seed=st.integers(0, 2**16))
def test_resize_matches_torch_bilinear(h, w, out_h, out_w, seed):
    torch = _torch()
    x = np.random.default_rng(seed).normal(size=(2, 3, h, w))
    ours = Resize((out_h, out_w))(autograd.tensor(x))
    theirs = torch.nn.functional.interpolate(torch.tensor(x), size=(out_h, out_w), mode="bilinear", align_corners=False)
    assert tuple(ours.shape) == (2, 3, out_h, out_w) and ours.dtype == np.float64
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)


@given(h=sides, w=sides, short=st.integers(1, 20))
def test_resize_int_sets_the_shorter_edge(h, w, short):
    out = Resize(short)(autograd.zeros(1, h, w))
    expected = (short, int(short * w / h)) if h <= w else (int(short * h / w), short)
    assert tuple(out.shape[-2:]) == expected
    assert tuple(Resize([short])(autograd.zeros(1, h, w)).shape) == tuple(out.shape)


def test_resize_is_differentiable_like_torch():
    torch = _torch()
    x = np.random.default_rng(1).normal(size=(1, 2, 5, 7))
    xo = autograd.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    weights = np.random.default_rng(2).normal(size=(1, 2, 9, 4))
    (Resize((9, 4))(xo) * autograd.tensor(weights)).sum().backward()
    (torch.nn.functional.interpolate(xt, size=(9, 4), mode="bilinear") * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_resize_uint8_image_rounds_like_torch_and_keeps_channels_last():
    torch = _torch()
    image = np.random.default_rng(3).integers(0, 256, (10, 6, 3), dtype=np.uint8)
    ours = Resize((15, 8))(image)
    float_image = torch.tensor(image, dtype=torch.float64).permute(2, 0, 1)[None]
    theirs = torch.nn.functional.interpolate(float_image, size=(15, 8), mode="bilinear").round()[0].permute(1, 2, 0)
    assert ours.dtype == np.uint8 and ours.shape == (15, 8, 3)
    np.testing.assert_array_equal(ours, theirs.numpy().astype(np.uint8))
    grey = image[..., 0]
    np.testing.assert_array_equal(Resize((15, 8))(grey), ours[..., 0])


def test_to_tensor_scales_uint8_and_moves_channels_first():
    image = np.random.default_rng(4).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    out = ToTensor()(image)
    assert tuple(out.shape) == (3, 5, 7) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), np.transpose(image, (2, 0, 1)).astype(np.float32) / np.float32(255))
    grey = ToTensor()(image[..., 1])
    assert tuple(grey.shape) == (1, 5, 7)
    np.testing.assert_array_equal(grey.numpy()[0], out.numpy()[1])
    floats = ToTensor()(np.full((2, 2), 3.0))  # as torchvision: only uint8 is scaled
    assert floats.dtype == np.float64 and floats.numpy().tolist() == [[[3.0, 3.0], [3.0, 3.0]]]


@given(c=st.sampled_from([1, 3]), seed=st.integers(0, 2**16))
def test_normalize_matches_torch(c, seed):
    torch = _torch()
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(4, c, 3, 5))
    mean, std = rng.normal(size=c).tolist(), rng.uniform(0.1, 2, size=c).tolist()
    mean_t, std_t = (torch.tensor(v, dtype=torch.float64).view(-1, 1, 1) for v in (mean, std))
    theirs = (torch.tensor(x) - mean_t) / std_t
    np.testing.assert_allclose(Normalize(mean, std)(autograd.tensor(x)).numpy(), theirs.numpy(), rtol=1e-12)
    np.testing.assert_allclose(Normalize(mean, std)(autograd.tensor(x[0])).numpy(), theirs[0].numpy(), rtol=1e-12)


def test_normalize_keeps_float32_and_one_value_serves_every_channel():
    x = autograd.rand(3, 4, 4)
    out = Normalize(0.5, [0.25])(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), (x.numpy() - 0.5) / 0.25, rtol=1e-6)


def test_compose_batch_equals_per_sample():
    images = np.random.default_rng(5).integers(0, 256, (4, 6, 9), dtype=np.uint8)
    pipeline = Compose([Resize(12), ToTensor(), Normalize([0.3], [0.2])])
    batched = transform_batch(pipeline, images)
    assert tuple(batched.shape) == (4, 1, 12, 18)
    for i in range(4):
        np.testing.assert_allclose(batched.numpy()[i], pipeline(images[i]).numpy(), rtol=1e-6)
    with_lambda = Compose([ToTensor(), lambda t: t * 2])  # no batch method: applied sample by sample
    np.testing.assert_allclose(transform_batch(with_lambda, images).numpy(), batched_scaled(images) * 2, rtol=1e-6)
    assert "Resize(size=12" in repr(pipeline) and "Normalize(mean=[0.3], std=[0.2])" in repr(pipeline)


def batched_scaled(images: np.ndarray) -> np.ndarray:
    return images[:, None].astype(np.float32) / np.float32(255)


@pytest.mark.parametrize(
    "size, error, message",
    [
        (2.5, TypeError, "size must be an int or a sequence of 1 or 2 ints, got float 2.5"),
        ("32", TypeError, "got str '32'"),
        (True, TypeError, "got bool True"),
        ((3, 4.0), TypeError, r"size must hold ints, got \(3, 4.0\) \(int, float\)"),
        ((1, 2, 3), ValueError, r"sequence of 1 or 2 ints, got \(1, 2, 3\)"),
        ((), ValueError, r"got \(\)"),
        (0, ValueError, "size must be positive, got 0"),
        ((4, -1), ValueError, r"positive, got \(4, -1\)"),
    ],
)
def test_resize_rejects_bad_sizes(size, error, message):
    with pytest.raises(error, match="Resize: .*" + message):
        Resize(size)


def test_transforms_reject_bad_images():
    with pytest.raises(TypeError, match="ToTensor: expected an image as a numpy array .* got Tensor"):
        ToTensor()(autograd.zeros(1, 2, 2))
    with pytest.raises(ValueError, match=r"ToTensor: expected an image array of shape \(H, W\) or \(H, W, C\), got"):
        ToTensor()(np.zeros(5, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"Resize: expected a tensor \(\.\.\., H, W\), got shape \(3,\)"):
        Resize(4)(autograd.zeros(3))
    with pytest.raises(TypeError, match="Compose expects callables, got int 3"):
        Compose([ToTensor(), 3])


def test_normalize_rejects_mismatched_statistics_naming_the_shapes():
    with pytest.raises(ValueError, match="Normalize: mean has 3 values and std 2"):
        Normalize([0.1, 0.2, 0.3], [1.0, 2.0])
    with pytest.raises(ValueError, match="std must not be zero"):
        Normalize([0.0], [0.0])
    with pytest.raises(TypeError, match="Normalize: mean must be numbers"):
        Normalize(["a"], [1.0])
    norm = Normalize([0.1, 0.2, 0.3], [1.0, 2.0, 3.0])
    x = autograd.zeros(2, 1, 4, 4)
    with pytest.raises(RuntimeError, match=r"Normalize: mean has 3 values but the image of shape \(2, 1, 4, 4\) has 1"):
        norm(x)
    with pytest.raises(ValueError, match=r"tensor image \(\.\.\., C, H, W\), got shape \(4, 4\)"):
        norm(autograd.zeros(4, 4))
    with pytest.raises(TypeError, match="floating-point tensor, got dtype int64"):
        norm(autograd.zeros(3, 2, 2, dtype=autograd.int64))
    with pytest.raises(TypeError, match="expected a Tensor"):
        norm(np.zeros((3, 2, 2)))
