//! The quantized integer model: the contract between the ONNX front end and the prover.
//!
//! A model is a chain of dense layers over flattened vectors (batch dimension 1). Each layer is
//!
//! ```text
//! acc = W·x + b            (W at scale 2^s, x at scale 2^s, b at scale 2^2s: acc at scale 2^2s)
//! q   = floor((acc + 2^(s-1)) / 2^s)        rescale with rounding, proven by a range lookup
//! out = act(q)             act: identity, relu, sigmoid, tanh, leaky relu or clip, proven by a table lookup; out at scale 2^s
//! ```
//!
//! `q` must lie in the lookup window `[-2^(B-1), 2^(B-1))` where `B = lookup_bits`; a value outside
//! it is an error at witness time, never a silent clamp.

use serde::{Deserialize, Serialize};

/// The largest `lookup_bits` a model may use: the table has `K·2^B` rows (`K ≥ 2` function slots)
/// and the domain at least as many, so `B = 20` already means a 2^21-point domain or more (the vk
/// format refuses larger `B`).
pub const MAX_LOOKUP_BITS: u32 = 20;
/// The largest `scale_bits` (`B ≥ s + 1` must still leave room in the window).
pub const MAX_SCALE_BITS: u32 = MAX_LOOKUP_BITS - 1;
/// The most layers a model (and a vk) may have.
pub const MAX_LAYERS: usize = 64;
/// The largest RowSum matrix domain, `log2(M·N)` with `M`, `N` the padded output and input
/// lengths (a vk refuses larger: 2^24 points is ~0.5 GiB per committed column).
pub const MAX_MATRIX_LOG: u32 = 24;

/// The minimum of SiLU, `min_t t·σ(t)`, rounded down.
pub const SILU_MIN: f64 = -0.278_464_542_8;
/// Where SiLU reaches its minimum: the root of `t + 1 + e^t = 0` (its derivative is
/// `σ(t)·(1 + t·(1 − σ(t)))`), `t ≈ −1.2785`; the minimum is `t·σ(t) = −e^t`.
pub const SILU_ARGMIN: f64 = -1.278_464_542_761_074;
/// The widest layer input or output (a vk refuses wider layers).
pub const MAX_WIDTH: usize = 1 << 20;
/// Every accumulator `|W·x + b| + 2^s` must stay below this for any in-window input: one bit of
/// margin below `i64::MAX`, and far inside the field (`r ≈ 2^254`), so the integer and the field
/// arithmetic agree.
pub const ACC_LIMIT: i128 = 1 << 62;

/// Whether a model whose last layer's activation is `last` has a **wide output**
/// (`docs/protocols/lookup.md#wide-outputs`): with the identity, the last layer's rescaled value
/// `q` is the public output itself, so the proof looks up only its rescale remainder and the
/// verifier checks that every output is a 64-bit integer. The lookup window then need not hold the
/// logits, which are usually the widest values of a classifier.
pub fn wide_output(last: Activation) -> bool {
    last == Activation::Identity
}

/// Why a quantized model is not acceptable. Each variant names the field (a JSON path such as
/// `layers[1].bias`), the bad value and what is allowed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelError {
    /// A number is outside its allowed range.
    #[error("{field} is {value}, allowed {allowed}")]
    OutOfRange {
        /// The field (JSON path).
        field: String,
        /// The bad value.
        value: String,
        /// The allowed range.
        allowed: String,
    },
    /// Shapes do not chain (ragged rows, bias length, layer `k` input ≠ layer `k−1` output).
    #[error("{field} has length {len}, expected {expected} ({why})")]
    Shape {
        /// The field (JSON path).
        field: String,
        /// Its length.
        len: usize,
        /// The length it must have.
        expected: usize,
        /// Where the expectation comes from.
        why: String,
    },
    /// A row's accumulator could leave the 62-bit range for some in-window input.
    #[error(
        "layers[{layer}] row {row}: |W·x + b| + 2^s can reach {bound} for inputs in the window, allowed < 2^62 (weights or bias too large for lookup_bits {lookup_bits})"
    )]
    Overflow {
        /// Layer index.
        layer: usize,
        /// Output row.
        row: usize,
        /// The bound `Σ|W_j|·2^(B−1) + |b| + 2^s` (saturated at `i128::MAX`).
        bound: i128,
        /// The model's `B`.
        lookup_bits: u32,
    },
}

/// The non-linearity applied after rescaling, as a function of integers at scale `2^s`: the
/// lookup table holds `(kind, v, f(v))` for every `v` of the window ([`crate::lookup_table`]).
///
/// Every function but SiLU is monotone non-decreasing; SiLU decreases to its minimum
/// ([`SILU_MIN`]) then increases, and the range analysis takes that minimum into account
/// ([`Activation::bounds`]). Every function is deterministic from its integer parameters, so
/// `check-vk` recomputes the table from the vk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Activation {
    /// No activation: the layer output is the rescaled accumulator.
    Identity,
    /// `max(0, q)`.
    Relu,
    /// `round(2^s · σ(q / 2^s))`, `σ(t) = 1/(1 + e^(−t))`.
    Sigmoid,
    /// `round(2^s · tanh(q / 2^s))`.
    Tanh,
    /// `q` for `q ≥ 0`, else `round(α·q)` with `α = alpha_q16 / 2^16` (ONNX `LeakyRelu`).
    LeakyRelu {
        /// `α · 2^16`, rounded (`0 ≤ α ≤ 1`).
        alpha_q16: i64,
    },
    /// `q` for `q ≥ 0`, else `round(2^s·α·(e^(q/2^s) − 1))`, `α = alpha_q16 / 2^16` (ONNX `Elu`).
    Elu {
        /// `α · 2^16`, rounded (`0 ≤ α ≤ 16`).
        alpha_q16: i64,
    },
    /// `round(2^s · ln(1 + e^(q/2^s)))` (ONNX `Softplus`).
    Softplus,
    /// `round(2^s · erf(q/2^s))` (ONNX `Erf`; with a product, the exact GELU).
    Erf,
    /// `round(γ·q)` for `q > 0`, else `round(2^s·γ·α·(e^(q/2^s) − 1))` (ONNX `Selu`), `α`, `γ` to
    /// 16 fractional bits.
    Selu {
        /// `α · 2^16` (`0 ≤ α ≤ 16`).
        alpha_q16: i64,
        /// `γ · 2^16` (`0 ≤ γ ≤ 16`).
        gamma_q16: i64,
    },
    /// `round(q·σ(q / 2^s))`: SiLU (Swish), the graph pattern `Mul(v, Sigmoid(v))`.
    Silu,
    /// `min(max(q, lo), hi)` (ONNX `Clip`, `Relu6`), bounds at scale `2^s`.
    Clip {
        /// Lower bound (at scale `2^s`).
        lo: i64,
        /// Upper bound (at scale `2^s`).
        hi: i64,
    },
}

impl Activation {
    /// `f(q)` at scale `2^s`.
    ///
    /// Sigmoid and tanh use the pure-Rust `libm` (a port of musl's): the same bits on every
    /// platform, unlike `f64::exp`, whose precision the standard library leaves to the platform.
    /// So the table is a function of the vk alone, and a `check-vk` mismatch always means a
    /// tampered table.
    pub fn apply(self, q: i64, scale_bits: u32) -> i64 {
        let unit = libm::exp2(f64::from(scale_bits));
        let real = q as f64 / unit;
        match self {
            Activation::Identity => q,
            Activation::Relu => q.max(0),
            Activation::Sigmoid => (unit / (1.0 + libm::exp(-real))).round() as i64,
            Activation::Tanh => (unit * libm::tanh(real)).round() as i64,
            Activation::LeakyRelu { alpha_q16 } if q < 0 => {
                // round(α·q) = ⌊(α16·q + 2^15) / 2^16⌋, exact in i128.
                (i128::from(alpha_q16) * i128::from(q) + (1 << 15)).div_euclid(1 << 16) as i64
            }
            Activation::LeakyRelu { .. } => q,
            Activation::Elu { alpha_q16 } if q < 0 => {
                (unit * (alpha_q16 as f64 / 65536.0) * libm::expm1(real)).round() as i64
            }
            Activation::Elu { .. } => q,
            Activation::Softplus => (unit * libm::log1p(libm::exp(real))).round() as i64,
            Activation::Erf => (unit * libm::erf(real)).round() as i64,
            Activation::Selu { alpha_q16, gamma_q16 } => {
                let (alpha, gamma) = (alpha_q16 as f64 / 65536.0, gamma_q16 as f64 / 65536.0);
                let v = if q > 0 { real } else { alpha * libm::expm1(real) };
                (unit * gamma * v).round() as i64
            }
            Activation::Silu => (unit * real / (1.0 + libm::exp(-real))).round() as i64,
            Activation::Clip { lo, hi } => q.clamp(lo, hi),
        }
    }

    /// The smallest and largest `f(q)` over `q ∈ [lo, hi]` (`lo ≤ hi`). A monotone function (and
    /// its rounding) reaches both at the ends. SiLU decreases then increases, so its largest value
    /// is at an end too, and its smallest is at an end unless the interval reaches within one grid
    /// step of the minimiser, where it is bounded by `⌊SILU_MIN·2^s⌋ − 1`.
    pub fn bounds(self, lo: i64, hi: i64, scale_bits: u32) -> (i64, i64) {
        let (a, b) = (self.apply(lo, scale_bits), self.apply(hi, scale_bits));
        let unit = libm::exp2(f64::from(scale_bits));
        let argmin = SILU_ARGMIN * unit;
        match self {
            Activation::Silu if (lo as f64) <= argmin + 1.0 && (hi as f64) >= argmin - 1.0 => {
                let floor = (SILU_MIN * unit).floor() as i64 - 1;
                (a.min(b).min(floor), a.max(b))
            }
            _ => (a.min(b), a.max(b)),
        }
    }

    /// The largest `|f(v)|` over the window `[−half, half)` ([`Activation::bounds`]).
    pub fn max_abs_on_window(self, half: i64, scale_bits: u32) -> i64 {
        let (lo, hi) = self.bounds(-half, half - 1, scale_bits);
        lo.unsigned_abs().max(hi.unsigned_abs()).min(i64::MAX as u64) as i64
    }

    /// A short name (`relu`, `sigmoid`, `leaky_relu(655/65536)`, `clip[-128, 768]`): exact.
    pub fn name(self) -> String {
        match self {
            Activation::Identity => "identity".into(),
            Activation::Relu => "relu".into(),
            Activation::Sigmoid => "sigmoid".into(),
            Activation::Tanh => "tanh".into(),
            Activation::LeakyRelu { alpha_q16 } => format!("leaky_relu({alpha_q16}/65536)"),
            Activation::Elu { alpha_q16 } => format!("elu({alpha_q16}/65536)"),
            Activation::Softplus => "softplus".into(),
            Activation::Erf => "erf".into(),
            Activation::Selu { alpha_q16, gamma_q16 } => format!("selu({alpha_q16}/65536, {gamma_q16}/65536)"),
            Activation::Clip { lo, hi } => format!("clip[{lo}, {hi}]"),
            Activation::Silu => "silu".into(),
        }
    }

    /// Whether the output is a separate tensor (every activation but the identity).
    pub fn has_output(self) -> bool {
        self != Activation::Identity
    }

    /// The vk word: big-endian, bytes `24..32` the tag (0 identity, 1 relu, 2 sigmoid, 3 tanh,
    /// 4 leaky relu, 5 clip, 6 elu, 7 softplus, 8 selu, 9 silu, 10 erf), bytes `16..24` the first parameter and `8..16` the second (two's
    /// complement), bytes `0..8` zero.
    pub fn to_word(self) -> [u8; 32] {
        let (tag, a, b): (u64, i64, i64) = match self {
            Activation::Identity => (0, 0, 0),
            Activation::Relu => (1, 0, 0),
            Activation::Sigmoid => (2, 0, 0),
            Activation::Tanh => (3, 0, 0),
            Activation::LeakyRelu { alpha_q16 } => (4, alpha_q16, 0),
            Activation::Clip { lo, hi } => (5, lo, hi),
            Activation::Elu { alpha_q16 } => (6, alpha_q16, 0),
            Activation::Softplus => (7, 0, 0),
            Activation::Selu { alpha_q16, gamma_q16 } => (8, alpha_q16, gamma_q16),
            Activation::Silu => (9, 0, 0),
            Activation::Erf => (10, 0, 0),
        };
        let mut w = [0u8; 32];
        w[8..16].copy_from_slice(&b.to_be_bytes());
        w[16..24].copy_from_slice(&a.to_be_bytes());
        w[24..].copy_from_slice(&tag.to_be_bytes());
        w
    }

    /// Decode [`Self::to_word`], refusing unknown tags, stray parameters and parameters outside
    /// their range (`0 ≤ α16 ≤ 2^16`, `lo ≤ hi`).
    pub fn from_word(w: &[u8; 32]) -> Option<Self> {
        let int = |r: std::ops::Range<usize>| i64::from_be_bytes(w[r].try_into().unwrap_or([0xff; 8]));
        let (tag, a, b) = (u64::from_be_bytes(w[24..].try_into().ok()?), int(16..24), int(8..16));
        if w[..8].iter().any(|x| *x != 0) {
            return None;
        }
        let a_used = matches!(tag, 4 | 5 | 6 | 8);
        if (!a_used && a != 0) || (!matches!(tag, 5 | 8) && b != 0) {
            return None;
        }
        match tag {
            0 => Some(Activation::Identity),
            1 => Some(Activation::Relu),
            2 => Some(Activation::Sigmoid),
            3 => Some(Activation::Tanh),
            4 if (0..=1 << 16).contains(&a) => Some(Activation::LeakyRelu { alpha_q16: a }),
            5 if a <= b => Some(Activation::Clip { lo: a, hi: b }),
            6 if (0..=1 << 20).contains(&a) => Some(Activation::Elu { alpha_q16: a }),
            7 => Some(Activation::Softplus),
            9 => Some(Activation::Silu),
            10 => Some(Activation::Erf),
            8 if (0..=1 << 20).contains(&a) && (0..=1 << 20).contains(&b) => Some(Activation::Selu {
                alpha_q16: a,
                gamma_q16: b,
            }),
            _ => None,
        }
    }
}

/// What a layer computes before its rescale and activation (its accumulator `acc`, at scale `2^(2s)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerOp {
    /// `acc = W·x + b` with the layer's constant weights and bias (the RowSum block).
    #[default]
    Dense,
    /// `acc_i = x_i · x_{h+i}` for `i < out_len`: the Hadamard product of the two halves of the
    /// input, `h = in_len / 2` (a Hadamard gate). No weights; `in_len = 2·tensor_domain(out_len)`,
    /// so each half fills half of the input's domain, and the layer never reads the model input.
    Product {
        /// `2h`.
        in_len: usize,
        /// The number of products.
        out_len: usize,
    },
    /// `acc_i = x_i²` for `i < len`: the square of each input (a square gate, `x(X)² − y(X)`;
    /// `Mul(x, x)` or `Pow(x, 2)` of the last layer's whole output). No weights; it reads all
    /// `len` outputs of the layer before, whose padding is zero, and never the model input. vk op
    /// word 8.
    Square {
        /// The number of values, in and out.
        len: usize,
    },
    /// `acc_j = (2^s / w)·Σ_{k<w} x_{j + k·m}` for `j < out_len`, `m = tensor_domain(out_len)`: the
    /// sums over the cosets of a window of `w = in_len / m` values (a coset-sum gate), scaled so
    /// that the layer's rescale by `2^s` divides by `w`: an `AveragePool` with kernel = stride and no
    /// padding, or a `GlobalAveragePool`, laid out by the lowering so that window `j`'s values sit at
    /// `j, j + m, …`. No weights; `w` is a power of two, `2 ≤ w ≤ min(4, 2^s)`
    /// ([`crate::blocks::gate::MAX_WINDOW`]), and the layer never reads the model input.
    CosetSum {
        /// `w·m`.
        in_len: usize,
        /// The number of windows.
        out_len: usize,
    },
    /// `acc_j = 2^s·max_{k<w} x_{j + k·m}` for `j < out_len`, `m = tensor_domain(out_len)`: the
    /// maximum over the cosets of a window of `w = in_len / m` values (the CosetMax block), scaled
    /// so that the layer's rescale by `2^s` is exact: a `MaxPool` or `GlobalMaxPool`, laid out like
    /// [`LayerOp::CosetSum`] (the lowering repeats a value to fill a short window, and copies a
    /// value shared by overlapping windows). No weights; `w ∈ {2, 4}`, and the layer never reads
    /// the model input.
    CosetMax {
        /// `w·m`.
        in_len: usize,
        /// The number of windows.
        out_len: usize,
        /// The values may be negative (any value in the window): each difference `max − x_i` is
        /// looked up shifted by `−2^(B−1)` in the identity half of the table (`[0, 2^B)`), instead
        /// of in the ReLU half (`[0, 2^(B−1))`) for values known to be non-negative. vk op word 6
        /// instead of 4.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        signed: bool,
    },
    /// `acc_i = 2^s·x_{σ(i)}` for `i < out_len` (`0` where `σ(i)` is [`COPY_ZERO`]): data movement
    /// with the fixed map `σ` of [`DenseLayer::map`] (the Copy block), so that the layer's rescale
    /// is exact and its output is `x_{σ(i)}` itself. Its activation is the identity, and its
    /// output is never the model's (the Copy block proves `q = x[σ]` directly: no lookup). Used to
    /// lay out a tensor that no dense layer produces (the model input, a product's or a coset
    /// layer's output) for a coset layer.
    Copy {
        /// The source's length (`σ(i) < in_len`).
        in_len: usize,
        /// The number of copied values.
        out_len: usize,
    },
    /// `acc_{p + P'·f} = Σ_{j<N} W_fj·x_{j + N·p} + b_f` for `p < patches`, and 0 on the rows
    /// `p ≥ patches`: one filter matrix `W` (`F` rows of `N` taps, [`DenseLayer::weights`]) applied
    /// to every patch of an im2col tensor that a [`LayerOp::Copy`] lays out, patch `p` at
    /// `[N·p, N·p + N)` (`P' = patches.next_power_of_two()`, `N` a power of two ≥ 8). A convolution
    /// proven by the RowSum block on a matrix domain of `F'·P'·N` points instead of the dense
    /// `out·in` (`docs/protocols/rowsum.md#patches`). `in_len = P'·N`, `out_len = P'·F`; never the
    /// first layer (it reads a layer's output, not the bit-reversed hidden input), never mixed.
    Patch {
        /// `P'·N`.
        in_len: usize,
        /// `P'·F`.
        out_len: usize,
        /// `P`, the number of patches (output positions).
        patches: usize,
    },
}

/// The layout of a [`LayerOp::Patch`] layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatchShape {
    /// `P`: patches that exist.
    pub count: usize,
    /// `P' = P.next_power_of_two()`: patch `p` of filter `f` is row `p + P'·f`.
    pub stride: usize,
    /// `N`: taps per patch (a power of two ≥ 8), the matrix's row width.
    pub width: usize,
    /// `F`: filters.
    pub filters: usize,
}

impl PatchShape {
    /// What output row `i = p + P'·f` reads: `Some((f, N·p))`, the filter and where patch `p`
    /// starts in the input; `None` for a padding patch's row (`p ≥ P`, accumulator 0).
    pub fn source(&self, i: usize) -> Option<(usize, usize)> {
        let (p, f) = (i % self.stride, i / self.stride);
        (p < self.count).then_some((f, self.width * p))
    }
}

/// The entry of [`DenseLayer::map`] that copies a zero instead of a source value.
pub const COPY_ZERO: u32 = u32::MAX;

impl LayerOp {
    /// Whether this is the default, [`LayerOp::Dense`] (serde skips it).
    pub fn is_dense(&self) -> bool {
        *self == LayerOp::Dense
    }
    /// The vk word: 0 dense, 1 product, 3 coset sum, 4 coset max, 5 copy, 6 coset max of signed
    /// values, 7 patch, 8 square (2, a dense layer with mixed rows, is [`DenseLayer::mixed`]).
    pub fn code(&self) -> u64 {
        match self {
            LayerOp::Dense => 0,
            LayerOp::Product { .. } => 1,
            LayerOp::CosetSum { .. } => 3,
            LayerOp::CosetMax { signed: false, .. } => 4,
            LayerOp::Copy { .. } => 5,
            LayerOp::CosetMax { signed: true, .. } => 6,
            LayerOp::Patch { .. } => 7,
            LayerOp::Square { .. } => 8,
        }
    }
    /// Whether the RowSum block proves this layer: [`LayerOp::Dense`] or [`LayerOp::Patch`].
    pub fn is_rowsum(&self) -> bool {
        matches!(self, LayerOp::Dense | LayerOp::Patch { .. })
    }
    /// A patch layer's layout (`None` for the other ops, or when `in_len` or `out_len` is not a
    /// multiple of `P'`).
    pub fn patch_shape(&self) -> Option<PatchShape> {
        let LayerOp::Patch {
            in_len,
            out_len,
            patches,
        } = *self
        else {
            return None;
        };
        let stride = patches.max(1).next_power_of_two();
        (patches >= 1 && in_len % stride == 0 && out_len % stride == 0).then_some(PatchShape {
            count: patches,
            stride,
            width: in_len / stride,
            filters: out_len / stride,
        })
    }
    /// Whether this is a copy ([`LayerOp::Copy`]).
    pub fn is_copy(&self) -> bool {
        matches!(self, LayerOp::Copy { .. })
    }
    /// The vk points of a layer with this op: `[Ŵ]` (and `[B̂]` when it carries its instance's
    /// biases, `carries_bias`) for a dense layer, the tag and count columns `[Ŝ]`, `[m̂]` for a copy,
    /// none for the weightless ops.
    pub fn vk_points(&self, carries_bias: bool) -> usize {
        match self {
            LayerOp::Dense => 1 + usize::from(carries_bias),
            LayerOp::Copy { .. } | LayerOp::Patch { .. } => 2,
            _ => 0,
        }
    }
    /// A coset sum's or coset max's stride `m = tensor_domain(out_len)` and window
    /// `w = in_len / m`: window `j` is `x_j, x_{j+m}, …, x_{j+(w−1)m}` (`None` for the other ops
    /// or when `m` does not divide `in_len`).
    pub fn coset(&self) -> Option<(usize, usize)> {
        match *self {
            LayerOp::CosetSum { in_len, out_len } | LayerOp::CosetMax { in_len, out_len, .. } => {
                let m = crate::protocol::tensor_domain(out_len).size();
                (in_len % m == 0).then_some((m, in_len / m))
            }
            _ => None,
        }
    }
    /// The factor `c` of a coset layer's accumulator: `2^s/w` for a sum (so that the rescale
    /// divides by `w`, [`coset_scale`]), `2^s` for a maximum or a copy (so that the rescale is
    /// exact).
    pub fn coset_factor(&self, scale_bits: u32) -> i64 {
        match (self, self.coset()) {
            (LayerOp::CosetMax { .. } | LayerOp::Copy { .. }, _) => 1i64 << scale_bits,
            (_, Some((_, w))) => coset_scale(scale_bits, w),
            _ => 1,
        }
    }
    /// Whether this is a coset layer (sum or maximum): weightless, reading its windows on cosets.
    pub fn is_coset(&self) -> bool {
        matches!(self, LayerOp::CosetSum { .. } | LayerOp::CosetMax { .. })
    }
    /// The input length of a product of `out_len` values: `2·tensor_domain(out_len)`.
    pub fn product_in_len(out_len: usize) -> usize {
        2 * crate::protocol::tensor_domain(out_len).size()
    }
}

/// A coset sum's scale `c = 2^s/w`: its accumulator `c·Σ_k x_{j+k·m}`, rescaled by `2^s`, is the
/// mean of the window.
pub fn coset_scale(scale_bits: u32, w: usize) -> i64 {
    (1i64 << scale_bits) / w.max(1) as i64
}

/// The shape rules of layer `k` of `layers` with `(in_len, out_len)` that a vk alone can check
/// (`VerifyingKey::from_bytes` and `check-vk`; [`QuantizedModel::validate`] applies them with typed
/// errors): a dense layer's matrix domain is at most `2^MAX_MATRIX_LOG`; a product is not the first
/// layer and reads `2·tensor_domain(out_len)` values; a coset sum is not the first layer and its
/// window is a power of two, `2 ≤ w ≤ min(4, 2^s)`; a mixed layer is not the last and fills its domain.
/// `None` when they hold.
pub fn layer_shape_problem(
    k: usize,
    layers: usize,
    (in_len, out_len): (usize, usize),
    (op, mixed): (LayerOp, bool),
    scale_bits: u32,
) -> Option<String> {
    let domain = crate::protocol::tensor_domain;
    let k_log = domain(in_len).log_size + domain(out_len).log_size;
    if let LayerOp::Patch { patches, .. } = op {
        let fits = op.patch_shape().filter(|p| {
            p.width.is_power_of_two()
                && p.width >= 8
                && p.filters >= 1
                && p.width.trailing_zeros() + domain(out_len).log_size <= MAX_MATRIX_LOG
        });
        return (k == 0 || mixed || fits.is_none()).then(|| {
            format!(
                "layer {k} applies filters to {patches} patches, reading {in_len} and writing {out_len}: it must not be the first layer or mixed, both lengths must be multiples of {} with {in_len}/{} a power of two ≥ 8, and its matrix domain at most 2^{MAX_MATRIX_LOG}",
                patches.max(1).next_power_of_two(),
                patches.max(1).next_power_of_two(),
            )
        });
    }
    if op.is_dense() && k_log > MAX_MATRIX_LOG {
        return Some(format!(
            "layer {k} is {out_len}×{in_len}: its matrix domain 2^{k_log} exceeds 2^{MAX_MATRIX_LOG}"
        ));
    }
    if op.is_coset() {
        // A sum's factor 2^s/w must be an integer; a maximum's is 2^s.
        let max = crate::blocks::gate::MAX_WINDOW;
        let (what, w_max, bound) = match op {
            LayerOp::CosetSum { .. } => (
                "coset sum",
                max.min(1 << scale_bits.min(30)),
                format!("min({max}, 2^{scale_bits})"),
            ),
            _ => ("coset max", max, max.to_string()),
        };
        return match op.coset().map(|(_, w)| w) {
            Some(w) if k > 0 && w.is_power_of_two() && (2..=w_max).contains(&w) => None,
            _ => Some(format!(
                "layer {k} is a {what} of {out_len} windows reading {in_len}: it must not be the first layer, and {in_len} must be w·{} with w a power of two, 2 ≤ w ≤ {bound}",
                domain(out_len).size(),
            )),
        };
    }
    if op.is_copy() {
        return (k + 1 == layers || !(1..=MAX_WIDTH).contains(&in_len) || !(1..=MAX_WIDTH).contains(&out_len)).then(|| {
            format!(
                "layer {k} is a copy of {out_len} values from {in_len}: it must not be the last layer, and both lengths lie in 1..={MAX_WIDTH}"
            )
        });
    }
    if let LayerOp::Square { len } = op {
        return (k == 0 || in_len != len || out_len != len || !(1..=MAX_WIDTH).contains(&len)).then(|| {
            format!("layer {k} squares {out_len} values reading {in_len}: it must not be the first layer, and both lengths are equal, in 1..={MAX_WIDTH}")
        });
    }
    if !op.is_dense() && (k == 0 || in_len != LayerOp::product_in_len(out_len)) {
        return Some(format!(
            "layer {k} is a product of {out_len} values reading {in_len}: it must read a layer's output of exactly {} values",
            LayerOp::product_in_len(out_len)
        ));
    }
    if mixed && (k + 1 == layers || out_len != domain(out_len).size()) {
        return Some(format!(
            "layer {k} has mixed rows: it must not be the last layer and its {out_len} outputs must fill their domain"
        ));
    }
    None
}

/// One layer: a fully connected layer with constant weights, or a product ([`LayerOp`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenseLayer {
    /// Human-readable name built from the ONNX node names it covers (e.g. `"MatMul_0+Add_1+Relu_2"`).
    pub name: String,
    /// `weights[i][j]`: output `i`, input `j`, at scale `2^s`.
    pub weights: Vec<Vec<i64>>,
    /// One entry per output, at scale `2^(2s)`.
    pub bias: Vec<i64>,
    /// Activation applied after rescaling.
    pub activation: Activation,
    /// What the layer computes: dense (weights and bias), or a product (no weights, no bias).
    #[serde(default, skip_serializing_if = "LayerOp::is_dense")]
    pub op: LayerOp,
    /// Mixed rows: the activation applies to the even outputs and the identity to the odd ones,
    /// which carry tensors that must pass the layer unchanged (a skip connection around a sigmoid).
    /// A dense layer, not the last, whose output fills its domain (no padding positions).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mixed: bool,
    /// A copy's map `σ` ([`LayerOp::Copy`]): output `i` is input `map[i]`, or zero for
    /// [`COPY_ZERO`]; empty for every other op.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub map: Vec<u32>,
}

impl DenseLayer {
    /// The activation of output `i`: the layer's, or the identity on a mixed layer's odd rows.
    pub fn activation_at(&self, i: usize) -> Activation {
        if self.mixed && i % 2 == 1 {
            Activation::Identity
        } else {
            self.activation
        }
    }
    /// Number of inputs.
    pub fn in_len(&self) -> usize {
        match self.op {
            LayerOp::Dense => self.weights.first().map_or(0, Vec::len),
            LayerOp::Product { in_len, .. }
            | LayerOp::CosetSum { in_len, .. }
            | LayerOp::CosetMax { in_len, .. }
            | LayerOp::Copy { in_len, .. }
            | LayerOp::Patch { in_len, .. } => in_len,
            LayerOp::Square { len } => len,
        }
    }
    /// Number of outputs.
    pub fn out_len(&self) -> usize {
        match self.op {
            LayerOp::Dense => self.weights.len(),
            LayerOp::Product { out_len, .. }
            | LayerOp::CosetSum { out_len, .. }
            | LayerOp::CosetMax { out_len, .. }
            | LayerOp::Copy { out_len, .. }
            | LayerOp::Patch { out_len, .. } => out_len,
            LayerOp::Square { len } => len,
        }
    }
    /// The shape `(N, M)` of the matrix RowSum proves: `(in_len, out_len)` for a dense layer, and
    /// `(N, out_len)` for a patch layer, whose rows are `N` taps wide ([`Self::matrix_rows`]).
    pub fn matrix_shape(&self) -> (usize, usize) {
        match self.op.patch_shape() {
            Some(p) => (p.width, self.out_len()),
            None => (self.in_len(), self.out_len()),
        }
    }
    /// The matrix and bias RowSum commits, row by row: the layer's own for a dense layer; for a
    /// patch layer, filter `f`'s taps and bias in row `p + P'·f` for every patch `p < P`, and zero
    /// rows for `p ≥ P`.
    pub fn matrix_rows(&self) -> (std::borrow::Cow<'_, [Vec<i64>]>, std::borrow::Cow<'_, [i64]>) {
        use std::borrow::Cow;
        let Some(p) = self.op.patch_shape() else {
            return (Cow::Borrowed(&self.weights), Cow::Borrowed(&self.bias));
        };
        let rows = p.stride * p.filters;
        let (mut w, mut b) = (vec![vec![0; p.width]; rows], vec![0; rows]);
        for (f, (row, bias)) in self.weights.iter().zip(&self.bias).enumerate() {
            for q in 0..p.count {
                w[q + p.stride * f].clone_from(row);
                b[q + p.stride * f] = *bias;
            }
        }
        (Cow::Owned(w), Cow::Owned(b))
    }
    /// A coset-sum layer as the dense layer it equals (weight `2^s/w` at `x_{j+k·m}` in row `j`, no
    /// bias), for analyses that handle dense layers only (calibration's observed bounds and the
    /// range analysis's back-substitution); any other layer as it is.
    pub fn dense_equivalent(&self, s: u32) -> DenseLayer {
        let (LayerOp::CosetSum { in_len, out_len }, Some((m, w))) = (self.op, self.op.coset()) else {
            return self.clone();
        };
        let c = coset_scale(s, w);
        let weights = (0..out_len)
            .map(|j| (0..in_len).map(|i| if i % m == j { c } else { 0 }).collect())
            .collect();
        DenseLayer {
            weights,
            bias: vec![0; out_len],
            op: LayerOp::Dense,
            ..self.clone()
        }
    }
    /// `log2` of the RowSum matrix domain `K = M·N` of a dense layer; `None` for a product.
    pub fn matrix_log(&self) -> Option<u32> {
        let (n, m) = self.matrix_shape();
        self.op
            .is_rowsum()
            .then(|| crate::protocol::tensor_domain(n).log_size + crate::protocol::tensor_domain(m).log_size)
    }
    /// The accumulator of this layer on `x`, `None` on an `i64` overflow (or an `x` too short
    /// for a product).
    pub fn accumulate(&self, x: &[i64], s: u32) -> Vec<Option<i64>> {
        let fits = |a: i64| a.checked_add(1i64 << s >> 1).map(|_| a);
        match self.op {
            LayerOp::Dense => self
                .weights
                .iter()
                .zip(&self.bias)
                .map(|(row, b)| {
                    row.iter()
                        .zip(x)
                        .try_fold(*b, |acc, (w, v)| acc.checked_add(w.checked_mul(*v)?))
                        .and_then(fits)
                })
                .collect(),
            LayerOp::Product { in_len, out_len } => (0..out_len)
                .map(|i| {
                    let (a, b) = (x.get(i)?, x.get(in_len / 2 + i)?);
                    a.checked_mul(*b).and_then(fits)
                })
                .collect(),
            LayerOp::Square { len } => (0..len)
                .map(|i| x.get(i)?.checked_mul(*x.get(i)?).and_then(fits))
                .collect(),
            LayerOp::CosetSum { in_len, out_len } => {
                let (m, w) = self.op.coset().unwrap_or((in_len.max(1), 1));
                let scale = coset_scale(s, w);
                (0..out_len)
                    .map(|j| {
                        (j..in_len)
                            .step_by(m)
                            .try_fold(0i64, |acc, i| acc.checked_add(*x.get(i)?))?
                            .checked_mul(scale)
                            .and_then(fits)
                    })
                    .collect()
            }
            LayerOp::CosetMax { in_len, out_len, .. } => {
                let (m, _) = self.op.coset().unwrap_or((in_len.max(1), 1));
                let scale = self.op.coset_factor(s);
                (0..out_len)
                    .map(|j| {
                        let window: Option<Vec<i64>> = (j..in_len).step_by(m).map(|i| x.get(i).copied()).collect();
                        window?.into_iter().max()?.checked_mul(scale).and_then(fits)
                    })
                    .collect()
            }
            LayerOp::Patch { out_len, .. } => {
                let Some(p) = self.op.patch_shape() else {
                    return vec![None; out_len];
                };
                (0..out_len)
                    .map(|i| {
                        let Some((f, at)) = p.source(i) else {
                            return Some(0);
                        };
                        let (row, b) = (self.weights.get(f)?, self.bias.get(f)?);
                        row.iter()
                            .zip(x.get(at..)?)
                            .try_fold(*b, |acc, (w, v)| acc.checked_add(w.checked_mul(*v)?))
                            .and_then(fits)
                    })
                    .collect()
            }
            LayerOp::Copy { .. } => {
                let scale = self.op.coset_factor(s);
                self.map
                    .iter()
                    .map(|&j| match j {
                        COPY_ZERO => Some(0),
                        j => x.get(j as usize)?.checked_mul(scale).and_then(fits),
                    })
                    .collect()
            }
        }
    }
}

/// A quantized model ready for setup and proving.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantizedModel {
    /// Model name (file stem of the ONNX file).
    pub name: String,
    /// `s`: a real value `v` is represented by `round(v · 2^s)`.
    pub scale_bits: u32,
    /// `B`: every rescaled value must lie in `[-2^(B-1), 2^(B-1))`. Requires `B ≥ s + 1`.
    pub lookup_bits: u32,
    /// The ONNX input shape, batch dimension included (informational).
    pub input_shape: Vec<usize>,
    /// The layers, applied in order; layer `k+1` reads the output of layer `k`.
    pub layers: Vec<DenseLayer>,
    /// The final normalisation `compile --until-logits` dropped (e.g. ``Softmax (node `prob`)``):
    /// the model's outputs are its input, the logits. Informational, not in the vk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped: Option<String>,
    /// The fold budget `log2` (`compile --fold-budget`, [`crate::blocks::fold`]): lookup shares
    /// fold into the running sum while its quotient stays within `2^fold_log` coefficients (or the
    /// degree the proof needs anyway). Larger: cheaper `verify()`, slower proving. In the vk.
    #[serde(default = "crate::blocks::fold::default_fold_log")]
    pub fold_log: u32,
}

/// Why integer inference failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardError {
    /// The input has the wrong number of elements.
    #[error("input has {got} values but the model expects {expected}")]
    InputLength {
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// A rescaled value fell outside the lookup window.
    #[error(
        "layer {layer} ({name}), output {position}: value {value} outside the lookup window [{lo}, {hi}) (lookup bits {lookup_bits}, scale 2^{scale_bits}: the reals [{}, {})); raise --lookup-bits or lower --scale-bits",
        real(*lo, *scale_bits), real(*hi, *scale_bits)
    )]
    OutsideWindow {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
        /// Output index in the layer.
        position: usize,
        /// The offending rescaled value.
        value: i64,
        /// Window start (inclusive).
        lo: i64,
        /// Window end (exclusive).
        hi: i64,
        /// The model's scale bits.
        scale_bits: u32,
        /// The model's lookup bits.
        lookup_bits: u32,
    },
    /// The model itself is invalid (see [`QuantizedModel::validate`]).
    #[error("invalid model: {0}")]
    Model(#[from] ModelError),
    /// An input value itself is outside the window.
    #[error(
        "input value {value} at index {index} outside the lookup window [{lo}, {hi}) (lookup bits {lookup_bits}, scale 2^{scale_bits}: the reals [{}, {})); lower --scale-bits or raise --lookup-bits",
        real(*lo, *scale_bits), real(*hi, *scale_bits)
    )]
    InputOutsideWindow {
        /// Index in the flattened input.
        index: usize,
        /// The offending value.
        value: i64,
        /// Window start (inclusive).
        lo: i64,
        /// Window end (exclusive).
        hi: i64,
        /// The model's scale bits.
        scale_bits: u32,
        /// The model's lookup bits.
        lookup_bits: u32,
    },
    /// An accumulator `W·x + b` overflows 64 bits (possible only for inputs outside the window).
    #[error("layer {layer} ({name}), output {position}: the accumulator W·x + b overflows 64 bits")]
    Overflow {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
        /// Output index in the layer.
        position: usize,
    },
}

/// Every intermediate tensor of one integer inference, as the prover needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// The quantized input.
    pub input: Vec<i64>,
    /// Per layer: the accumulator `W·x + b` (scale 2^2s).
    pub acc: Vec<Vec<i64>>,
    /// Per layer: the rescaled value `q`.
    pub rescaled: Vec<Vec<i64>>,
    /// Per layer: the activation output (the next layer's input).
    pub out: Vec<Vec<i64>>,
}

impl Trace {
    /// The model output (last layer's activation output).
    pub fn output(&self) -> &[i64] {
        self.out.last().map_or(&self.input, Vec::as_slice)
    }
}

impl QuantizedModel {
    /// Length of the flattened input.
    pub fn input_len(&self) -> usize {
        self.layers.first().map_or(0, DenseLayer::in_len)
    }
    /// Length of the flattened output.
    pub fn output_len(&self) -> usize {
        self.layers.last().map_or(0, DenseLayer::out_len)
    }
    /// The lookup window `[lo, hi)`.
    /// (`lookup_bits` is clamped to `1..=63` so that an unvalidated model cannot make it panic.)
    pub fn window(&self) -> (i64, i64) {
        let half = 1i64 << (self.lookup_bits.clamp(1, 63) - 1);
        (-half, half)
    }
    /// The output is wide ([`wide_output`]): its values are any `i64`, not window values.
    pub fn wide_output(&self) -> bool {
        self.layers.last().is_some_and(|l| wide_output(l.activation))
    }
    /// Quantize a real value at this model's scale.
    pub fn quantize(&self, v: f64) -> i64 {
        (v * f64::from(self.scale_bits).exp2()).round() as i64
    }
    /// Dequantize a value at this model's scale.
    pub fn dequantize(&self, q: i64) -> f64 {
        q as f64 / f64::from(self.scale_bits).exp2()
    }

    /// The lookup table of this model (the vk's twin: [`crate::keys::VerifyingKey::lookup_table`]).
    pub fn lookup_table(&self) -> crate::lookup_table::LookupTable {
        crate::lookup_table::LookupTable::new(
            self.scale_bits,
            self.lookup_bits,
            self.layers.iter().map(|l| l.activation),
        )
    }

    /// Check everything the prover and `setup` rely on, before any heavy work: `1 ≤ s ≤`
    /// [`MAX_SCALE_BITS`], `s + 1 ≤ B ≤` [`MAX_LOOKUP_BITS`], `1..=`[`MAX_LAYERS`] layers, widths in
    /// `1..=`[`MAX_WIDTH`], rectangular weights, one bias per output, layer `k` reads layer `k−1`'s
    /// output, and no accumulator can reach [`ACC_LIMIT`] for an input inside the window (so the
    /// `i64` arithmetic of [`QuantizedModel::forward`] cannot overflow). Cost: one pass over the
    /// weights.
    pub fn validate(&self) -> Result<(), ModelError> {
        let range = |field: &str, value: u64, lo: u64, hi: u64, why: &str| {
            if (lo..=hi).contains(&value) {
                Ok(())
            } else {
                Err(ModelError::OutOfRange {
                    field: field.into(),
                    value: value.to_string(),
                    allowed: format!("{lo}..={hi}{why}"),
                })
            }
        };
        range("scale_bits", self.scale_bits.into(), 1, MAX_SCALE_BITS.into(), "")?;
        range(
            "lookup_bits",
            self.lookup_bits.into(),
            u64::from(self.scale_bits) + 1,
            MAX_LOOKUP_BITS.into(),
            " (scale_bits + 1 up to the table limit)",
        )?;
        range("number of layers", self.layers.len() as u64, 1, MAX_LAYERS as u64, "")?;
        let folds = crate::blocks::fold::FOLD_LOG_RANGE;
        range(
            "fold_log",
            self.fold_log.into(),
            (*folds.start()).into(),
            (*folds.end()).into(),
            " (compile --fold-budget)",
        )?;
        range(
            "distinct activations (with identity and relu)",
            self.lookup_table().kinds.len() as u64,
            1,
            crate::lookup_table::MAX_KINDS as u64,
            " (the table's kind slots)",
        )?;
        let half = 1i64 << (self.lookup_bits - 1);
        for (k, layer) in self.layers.iter().enumerate() {
            // Layer k reads the input (in the window) or layer k − 1's activation output, which
            // the table bounds by its largest |f| on the window (a softplus or an ELU may step
            // slightly outside the window).
            // A copy, coset max or coset mean with the identity passes on what it reads: the
            // activation that bounds layer k's input is the last one before them.
            let source = (0..k).rev().find(|j| {
                let l = &self.layers[*j];
                !(matches!(
                    l.op,
                    LayerOp::Copy { .. } | LayerOp::CosetMax { .. } | LayerOp::CosetSum { .. }
                ) && l.activation == Activation::Identity)
            });
            let x_max = i128::from(match source {
                None => half,
                Some(j) => half.max(self.layers[j].activation.max_abs_on_window(half, self.scale_bits)),
            });
            let field = |f: &str| format!("layers[{k}].{f}");
            // A clip bound outside the window is refused; other activations may step slightly
            // outside it (SELU, softplus, ELU: `max_abs_on_window` bounds the next layer's input,
            // and public outputs are checked as 64-bit integers).
            if let Activation::Clip { lo, hi } = layer.activation {
                if lo < -half || hi >= half {
                    return Err(ModelError::OutOfRange {
                        field: field("activation"),
                        value: format!("clip[{lo}, {hi}]"),
                        allowed: format!("bounds inside the window [{}, {half})", -half),
                    });
                }
            }
            // The parameter rules of the vk format (α, γ ranges, lo ≤ hi), in one place.
            if Activation::from_word(&layer.activation.to_word()) != Some(layer.activation) {
                return Err(ModelError::OutOfRange {
                    field: field("activation"),
                    value: layer.activation.name(),
                    allowed: "parameters in range: 0 ≤ α ≤ 1 (leaky relu), 0 ≤ α, γ ≤ 16 (elu, selu), lo ≤ hi (clip)"
                        .into(),
                });
            }
            if layer.mixed {
                let full = crate::protocol::tensor_domain(layer.out_len()).size();
                if !layer.op.is_dense() || k + 1 == self.layers.len() || layer.out_len() != full {
                    return Err(ModelError::OutOfRange {
                        field: field("mixed"),
                        value: format!("{} outputs, layer {k} of {}", layer.out_len(), self.layers.len()),
                        allowed: "a dense layer, not the last, whose output length is a power of two ≥ 8".into(),
                    });
                }
            }
            match layer.op {
                LayerOp::Product { in_len, out_len } => {
                    self.validate_product(k, in_len, out_len, x_max)?;
                    continue;
                }
                LayerOp::Square { len } => {
                    self.validate_square(k, len, x_max)?;
                    continue;
                }
                LayerOp::CosetSum { in_len, out_len } | LayerOp::CosetMax { in_len, out_len, .. } => {
                    self.validate_coset_sum(k, in_len, out_len, x_max)?;
                    continue;
                }
                LayerOp::Copy { in_len, out_len } => {
                    self.validate_copy(k, in_len, out_len, x_max)?;
                    continue;
                }
                LayerOp::Patch { .. } => {
                    self.validate_patch(k, x_max)?;
                    continue;
                }
                LayerOp::Dense => {}
            }
            range(
                &field("weights (rows)"),
                layer.out_len() as u64,
                1,
                MAX_WIDTH as u64,
                "",
            )?;
            range(
                &field("weights[0] (columns)"),
                layer.in_len() as u64,
                1,
                MAX_WIDTH as u64,
                "",
            )?;
            range(
                &field("weights (padded rows × columns, log2)"),
                layer.matrix_log().unwrap_or(0).into(),
                0,
                MAX_MATRIX_LOG.into(),
                " (split the layer: its matrix domain would exceed 2^24 points)",
            )?;
            if k > 0 && layer.in_len() != self.layers[k - 1].out_len() {
                return Err(ModelError::Shape {
                    field: field("weights[0]"),
                    len: layer.in_len(),
                    expected: self.layers[k - 1].out_len(),
                    why: format!("the output length of layers[{}]", k - 1),
                });
            }
            if let Some((i, row)) = layer
                .weights
                .iter()
                .enumerate()
                .find(|(_, r)| r.len() != layer.in_len())
            {
                return Err(ModelError::Shape {
                    field: field(&format!("weights[{i}]")),
                    len: row.len(),
                    expected: layer.in_len(),
                    why: "every row has the same length".into(),
                });
            }
            if layer.bias.len() != layer.out_len() {
                return Err(ModelError::Shape {
                    field: field("bias"),
                    len: layer.bias.len(),
                    expected: layer.out_len(),
                    why: "one bias per weight row".into(),
                });
            }
            for (row, (w, b)) in layer.weights.iter().zip(&layer.bias).enumerate() {
                // |W·x + b| + 2^s ≤ Σ|W_j|·2^(B−1) + |b| + 2^s; each term < 2^64·2^20 and the sum of
                // ≤ 2^20 of them stays far inside i128 (saturating anyway).
                let bound = w
                    .iter()
                    .fold(0i128, |acc, w| acc.saturating_add(i128::from(*w).abs()))
                    .saturating_mul(x_max)
                    .saturating_add(i128::from(*b).abs())
                    .saturating_add(1i128 << self.scale_bits);
                if bound >= ACC_LIMIT {
                    return Err(ModelError::Overflow {
                        layer: k,
                        row,
                        bound,
                        lookup_bits: self.lookup_bits,
                    });
                }
            }
        }
        Ok(())
    }

    /// Bounds on the values of layer `k`'s output (`None`: the model input) for every input in
    /// the window `[−2^(B−1), 2^(B−1))`: the activation's bounds on the window (the identity's on
    /// a mixed layer's odd rows too), and for a copy, coset max or coset sum with the identity the
    /// bounds of what it reads (a move, a maximum and a mean keep them).
    fn output_bounds(&self, k: Option<usize>) -> (i64, i64) {
        let half = 1i64 << (self.lookup_bits - 1);
        let Some(k) = k else {
            return (-half, half - 1);
        };
        let layer = &self.layers[k];
        match layer.op {
            LayerOp::Copy { .. } | LayerOp::CosetMax { .. } | LayerOp::CosetSum { .. }
                if layer.activation == Activation::Identity =>
            {
                self.output_bounds(k.checked_sub(1))
            }
            _ => {
                let (lo, hi) = layer.activation.bounds(-half, half - 1, self.scale_bits);
                match layer.mixed {
                    true => (lo.min(-half), hi.max(half - 1)),
                    false => (lo, hi),
                }
            }
        }
    }

    /// The rules of a copy layer `k` ([`LayerOp::Copy`]): it reads the model input or a layer's
    /// output, all `in_len` values; its map has one entry per output, each below `in_len` or
    /// [`COPY_ZERO`]; it has no weights or bias, the identity as its activation and no mixed rows;
    /// it is not the last layer; and `x_max·2^s + 2^s` stays below [`ACC_LIMIT`].
    fn validate_copy(&self, k: usize, in_len: usize, out_len: usize, x_max: i128) -> Result<(), ModelError> {
        let layer = &self.layers[k];
        let field = |f: &str| format!("layers[{k}].{f}");
        let out_of_range = |f: &str, value: String, allowed: String| ModelError::OutOfRange {
            field: field(f),
            value,
            allowed,
        };
        if let Some(problem) = layer_shape_problem(
            k,
            self.layers.len(),
            (in_len, out_len),
            (layer.op, false),
            self.scale_bits,
        ) {
            return Err(out_of_range("op", "copy".into(), problem));
        }
        if k > 0 && in_len != self.layers[k - 1].out_len() {
            return Err(ModelError::Shape {
                field: field("op.in_len"),
                len: in_len,
                expected: self.layers[k - 1].out_len(),
                why: format!("the output length of layers[{}]", k - 1),
            });
        }
        if layer.map.len() != out_len {
            return Err(ModelError::Shape {
                field: field("map"),
                len: layer.map.len(),
                expected: out_len,
                why: "one source per copied value".into(),
            });
        }
        if let Some((i, j)) = layer
            .map
            .iter()
            .enumerate()
            .find(|(_, j)| **j != COPY_ZERO && **j as usize >= in_len)
        {
            return Err(out_of_range(
                &format!("map[{i}]"),
                j.to_string(),
                format!("an input index below {in_len}, or {COPY_ZERO} for a zero"),
            ));
        }
        if layer.activation != Activation::Identity
            || layer.mixed
            || !layer.weights.is_empty()
            || !layer.bias.is_empty()
        {
            return Err(out_of_range(
                "op",
                format!("copy with activation {}", layer.activation.name()),
                "the identity, no mixed rows, no weights or bias: a copy only moves values".into(),
            ));
        }
        self.acc_within_limit(k, x_max.saturating_mul(1i128 << self.scale_bits))
    }

    /// The rules of a patch layer `k` ([`LayerOp::Patch`]): the shape rules of
    /// [`layer_shape_problem`]; it reads layer `k − 1`'s whole output; `F` filters of `N` taps
    /// and one bias each; and no accumulator reaches [`ACC_LIMIT`].
    fn validate_patch(&self, k: usize, x_max: i128) -> Result<(), ModelError> {
        let layer = &self.layers[k];
        let field = |f: &str| format!("layers[{k}].{f}");
        let (in_len, out_len) = (layer.in_len(), layer.out_len());
        if let Some(problem) = layer_shape_problem(
            k,
            self.layers.len(),
            (in_len, out_len),
            (layer.op, layer.mixed),
            self.scale_bits,
        ) {
            return Err(ModelError::OutOfRange {
                field: field("op"),
                value: format!("{:?}", layer.op),
                allowed: problem,
            });
        }
        let Some(p) = layer.op.patch_shape() else {
            return Ok(()); // unreachable: layer_shape_problem checked the shape
        };
        if in_len != self.layers[k - 1].out_len() {
            return Err(ModelError::Shape {
                field: field("op.in_len"),
                len: in_len,
                expected: self.layers[k - 1].out_len(),
                why: format!("the output length of layers[{}]", k - 1),
            });
        }
        if layer.weights.len() != p.filters || layer.bias.len() != p.filters {
            return Err(ModelError::Shape {
                field: field("weights"),
                len: layer.weights.len().max(layer.bias.len()),
                expected: p.filters,
                why: format!(
                    "one row and one bias per filter ({out_len} outputs / {} patch slots)",
                    p.stride
                ),
            });
        }
        if let Some((i, row)) = layer.weights.iter().enumerate().find(|(_, r)| r.len() != p.width) {
            return Err(ModelError::Shape {
                field: field(&format!("weights[{i}]")),
                len: row.len(),
                expected: p.width,
                why: "one weight per tap of a patch".into(),
            });
        }
        for (w, b) in layer.weights.iter().zip(&layer.bias) {
            let acc = w
                .iter()
                .fold(0i128, |acc, w| acc.saturating_add(i128::from(*w).abs()))
                .saturating_mul(x_max)
                .saturating_add(i128::from(*b).abs());
            self.acc_within_limit(k, acc)?;
        }
        Ok(())
    }

    /// Layer `k`'s largest accumulator `acc_max` plus `2^s` (the rescale's rounding) stays below
    /// [`ACC_LIMIT`].
    fn acc_within_limit(&self, k: usize, acc_max: i128) -> Result<(), ModelError> {
        let bound = acc_max.saturating_add(1i128 << self.scale_bits);
        if bound >= ACC_LIMIT {
            return Err(ModelError::Overflow {
                layer: k,
                row: 0,
                bound,
                lookup_bits: self.lookup_bits,
            });
        }
        Ok(())
    }

    /// The rules of a product layer `k` ([`LayerOp::Product`]): it reads a layer's output (never
    /// the model input, whose hidden layout is bit-reversed), exactly `2·tensor_domain(out_len)`
    /// values, has no weights or bias, and `x_max² + 2^s` stays below [`ACC_LIMIT`].
    fn validate_product(&self, k: usize, in_len: usize, out_len: usize, x_max: i128) -> Result<(), ModelError> {
        let field = |f: &str| format!("layers[{k}].{f}");
        let out_of_range = |f: &str, value: String, allowed: &str| ModelError::OutOfRange {
            field: field(f),
            value,
            allowed: allowed.into(),
        };
        if k == 0 {
            return Err(out_of_range(
                "op",
                "product".into(),
                "a product reads a layer's output: not the first layer",
            ));
        }
        if !(1..=MAX_WIDTH / 2).contains(&out_len) {
            return Err(out_of_range(
                "op.out_len",
                out_len.to_string(),
                &format!("1..={}", MAX_WIDTH / 2),
            ));
        }
        if in_len != LayerOp::product_in_len(out_len) {
            return Err(ModelError::Shape {
                field: field("op.in_len"),
                len: in_len,
                expected: LayerOp::product_in_len(out_len),
                why: "a product reads two halves, each the size of its output's domain".into(),
            });
        }
        // The identity forces x_i·x_{h+i} = y_i on every i < h, padding included: the operands
        // layer must output 0 on the halves' padding rows.
        let h = in_len / 2;
        self.check_weightless_reader(
            (k, in_len, x_max.saturating_mul(x_max)),
            (out_len..h).chain(h + out_len..in_len),
            (
                "product",
                "the operands layer's padding rows (out_len..h and h + out_len..2h)",
            ),
        )?;
        Ok(())
    }

    /// The rules of a square layer `k` ([`LayerOp::Square`]): it reads all `len` outputs of a
    /// layer (never the model input, whose hidden layout is bit-reversed) whose padding rows
    /// (`len..tensor_domain(len)`) are zero, since the gate forces `y_i = x_i²` there too and the
    /// prover lays out `y`'s padding as 0 (completeness: a proof for another padding cannot be
    /// made, and the vk decoder, which does not apply this rule, needs none for soundness); has
    /// no weights or bias; and `x_max² + 2^s` stays below [`ACC_LIMIT`].
    fn validate_square(&self, k: usize, len: usize, x_max: i128) -> Result<(), ModelError> {
        if k == 0 {
            return Err(ModelError::OutOfRange {
                field: format!("layers[{k}].op"),
                value: "square".into(),
                allowed: "a square reads a layer's output: not the first layer".into(),
            });
        }
        let padded = crate::protocol::tensor_domain(len).size();
        self.check_weightless_reader(
            (k, len, x_max.saturating_mul(x_max)),
            len..padded,
            ("square", "the previous layer's padding rows (len..tensor_domain(len))"),
        )
    }

    /// The rules of a coset layer `k` ([`LayerOp::CosetSum`], [`LayerOp::CosetMax`]): it reads a
    /// dense layer's output (never the model input), exactly `w·tensor_domain(out_len)` values with
    /// `w` a power of two, `2 ≤ w ≤ 4` (and `w ≤ 2^s` for a sum), whose padding rows
    /// (`j mod m ≥ out_len`) are zero; it has no weights or bias; and `x_max·2^s + 2^s` stays below
    /// [`ACC_LIMIT`]. A maximum also reads a layer whose activation is non-negative and below
    /// `2^(B−1)` on the window (ReLU, ReLU6, sigmoid): then every difference `max − x_i` lies in
    /// the table's non-negative half, which the CosetMax block looks up.
    fn validate_coset_sum(&self, k: usize, in_len: usize, out_len: usize, x_max: i128) -> Result<(), ModelError> {
        let layer = &self.layers[k];
        let what = match layer.op {
            LayerOp::CosetMax { .. } => "coset max",
            _ => "coset sum",
        };
        let field = |f: &str| format!("layers[{k}].{f}");
        let out_of_range = |f: &str, value: String, allowed: &str| ModelError::OutOfRange {
            field: field(f),
            value,
            allowed: allowed.into(),
        };
        if let Some(problem) = layer_shape_problem(
            k,
            self.layers.len(),
            (in_len, out_len),
            (layer.op, false),
            self.scale_bits,
        ) {
            return Err(out_of_range("op", what.into(), &problem));
        }
        if let LayerOp::CosetMax { signed, .. } = layer.op {
            // Every difference max − x_i must lie in the half of the table the block looks it up
            // in: [0, 2^(B−1)) (ReLU rows), or [0, 2^B) shifted (identity rows) when signed.
            let half = 1i64 << (self.lookup_bits - 1);
            let (lo, hi) = self.output_bounds(Some(k - 1));
            let (floor, what_values) = match signed {
                false => (0, "values in [0, 2^(B−1)): a ReLU's, ReLU6's or sigmoid's output, or a copy, coset max or coset sum of such values (not the signed model input; a signed coset max, op 6, reads those)"),
                true => (-half, "values in the window [−2^(B−1), 2^(B−1))"),
            };
            if lo < floor || hi >= half {
                let prev = &self.layers[k - 1];
                return Err(out_of_range(
                    "op",
                    format!("coset max after {} (values in [{lo}, {hi}])", prev.activation.name()),
                    &format!("a coset max reads {what_values}"),
                ));
            }
        }
        // The identity reads every coset, padding included: the layer before must output 0 on the
        // padding rows of each block of m.
        let m = crate::protocol::tensor_domain(out_len).size();
        self.check_weightless_reader(
            (k, in_len, x_max.saturating_mul(1i128 << self.scale_bits)),
            (0..in_len).filter(|i| i % m >= out_len),
            (
                what,
                &format!("the rows j + k·{m} with j ≥ {out_len} of the layer before a {what}"),
            ),
        )?;
        Ok(())
    }

    /// The rules a weightless layer `k` (a product, a coset sum or max, `what`) shares: it reads all
    /// `in_len` outputs of a dense, unmixed layer whose rows at `padding` (described by `rows`)
    /// output zero (zero weights and bias, an activation with `f(0) = 0`), or of a copy that copies
    /// zeros there; has no weights or bias of its own; and its largest accumulator `acc_max` plus
    /// `2^s` stays below [`ACC_LIMIT`].
    fn check_weightless_reader(
        &self,
        (k, in_len, acc_max): (usize, usize, i128),
        mut padding: impl Iterator<Item = usize>,
        (what, rows): (&str, &str),
    ) -> Result<(), ModelError> {
        let layer = &self.layers[k];
        let field = |f: &str| format!("layers[{k}].{f}");
        let out_of_range = |f: &str, value: String, allowed: String| ModelError::OutOfRange {
            field: field(f),
            value,
            allowed,
        };
        let prev = &self.layers[k - 1];
        if in_len != prev.out_len() {
            return Err(ModelError::Shape {
                field: field("op.in_len"),
                len: in_len,
                expected: prev.out_len(),
                why: format!("the output length of layers[{}]", k - 1),
            });
        }
        if prev.op.is_copy() {
            // The Copy block forces a copied zero (and its padding) to 0.
            if let Some(i) = padding.find(|i| prev.map.get(*i).is_some_and(|j| *j != COPY_ZERO)) {
                return Err(out_of_range(
                    "op",
                    format!("layers[{}] copies input {} to row {i}", k - 1, prev.map[i]),
                    format!("{rows} are copied zeros"),
                ));
            }
        } else if !prev.op.is_dense() || prev.mixed {
            return Err(out_of_range(
                "op",
                what.into(),
                format!("a {what} reads a dense layer's or a copy's output (not a product's, a coset layer's or a mixed layer's)"),
            ));
        }
        let nonzero = |i: usize| {
            prev.op.is_dense() && prev.weights.get(i).is_some_and(|row| row.iter().any(|w| *w != 0))
                || prev.bias.get(i).is_some_and(|b| *b != 0)
                || prev.activation_at(i).apply(0, self.scale_bits) != 0
        };
        if let Some(i) = padding.find(|i| nonzero(*i)) {
            return Err(out_of_range(
                "op",
                format!("layers[{}] row {i} is not zero", k - 1),
                format!("{rows} have zero weights and bias and an activation with f(0) = 0"),
            ));
        }
        if !layer.weights.is_empty() || !layer.bias.is_empty() {
            return Err(out_of_range(
                "weights",
                format!("{} rows, {} biases", layer.weights.len(), layer.bias.len()),
                format!("none: a {what} layer has no weights or bias"),
            ));
        }
        self.acc_within_limit(k, acc_max)
    }

    /// Integer inference, exactly as the proof will attest it: fails at the first value outside the
    /// lookup window.
    pub fn forward(&self, input: &[i64]) -> Result<Trace, ForwardError> {
        self.run(input, true)
    }

    /// Integer inference without the window check (for diagnostics such as `zkt-eth mock`): every
    /// value is computed even when it could not be proven. Fails only on a wrong input length or an
    /// accumulator that overflows 64 bits.
    pub fn forward_unchecked(&self, input: &[i64]) -> Result<Trace, ForwardError> {
        self.run(input, false)
    }

    fn run(&self, input: &[i64], window: bool) -> Result<Trace, ForwardError> {
        // Validated first, so the i64 arithmetic below cannot overflow.
        self.validate()?;
        if input.len() != self.input_len() {
            return Err(ForwardError::InputLength {
                expected: self.input_len(),
                got: input.len(),
            });
        }
        let (lo, hi) = self.window();
        let (scale_bits, lookup_bits) = (self.scale_bits, self.lookup_bits);
        if let Some((index, &value)) = input
            .iter()
            .enumerate()
            .find(|(_, v)| window && (**v < lo || **v >= hi))
        {
            return Err(ForwardError::InputOutsideWindow {
                index,
                value,
                lo,
                hi,
                scale_bits,
                lookup_bits,
            });
        }
        let mut trace = Trace {
            input: input.to_vec(),
            acc: vec![],
            rescaled: vec![],
            out: vec![],
        };
        self.resume(&mut trace, 0, window)?;
        Ok(trace)
    }

    /// Soundness tests only: run layers `from..` again on `trace`, whose layers before `from`
    /// a cheating prover may have edited ([`crate::prover::prove_forging_coset_max`]).
    #[doc(hidden)]
    pub fn rerun_from(&self, trace: &mut Trace, from: usize) -> Result<(), ForwardError> {
        self.resume(trace, from, true)
    }

    /// Layers `from..` of the integer inference, appended to `trace` (cut to its first `from`
    /// layers), reading the output of layer `from − 1` (the input for 0).
    fn resume(&self, trace: &mut Trace, from: usize, window: bool) -> Result<(), ForwardError> {
        let (lo, hi) = self.window();
        let (scale_bits, lookup_bits) = (self.scale_bits, self.lookup_bits);
        let s = self.scale_bits;
        trace.acc.truncate(from);
        trace.rescaled.truncate(from);
        trace.out.truncate(from);
        let mut x = match from {
            0 => trace.input.clone(),
            k => trace.out[k - 1].clone(),
        };
        for (k, layer) in self.layers.iter().enumerate().skip(from) {
            let acc: Vec<i64> = layer
                .accumulate(&x, s)
                .into_iter()
                .enumerate()
                .map(|(position, a)| {
                    a.ok_or_else(|| ForwardError::Overflow {
                        layer: k,
                        name: layer.name.clone(),
                        position,
                    })
                })
                .collect::<Result<_, _>>()?;
            let q: Vec<i64> = acc.iter().map(|a| rescale(*a, s)).collect();
            // A wide output is any i64 (the verifier range-checks it, not the table).
            let checked = window && !(k + 1 == self.layers.len() && self.wide_output());
            if let Some((position, &value)) = q.iter().enumerate().find(|(_, v)| checked && (**v < lo || **v >= hi)) {
                return Err(ForwardError::OutsideWindow {
                    layer: k,
                    name: layer.name.clone(),
                    position,
                    value,
                    lo,
                    hi,
                    scale_bits,
                    lookup_bits,
                });
            }
            let out: Vec<i64> = q
                .iter()
                .enumerate()
                .map(|(i, v)| layer.activation_at(i).apply(*v, scale_bits))
                .collect();
            trace.acc.push(acc);
            trace.rescaled.push(q);
            trace.out.push(out.clone());
            x = out;
        }
        Ok(())
    }
}

fn real(v: i64, scale_bits: u32) -> f64 {
    v as f64 / (1u64 << scale_bits) as f64
}

/// `floor((a + 2^(s-1)) / 2^s)`: division by `2^s` rounding half up.
pub fn rescale(a: i64, s: u32) -> i64 {
    (a + (1i64 << s >> 1)).div_euclid(1i64 << s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_words_round_trip_and_refuse_bad_parameters() {
        let all = [
            Activation::Identity,
            Activation::Relu,
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::LeakyRelu { alpha_q16: 655 },
            Activation::Clip { lo: -128, hi: 768 },
            Activation::Elu { alpha_q16: 65536 },
            Activation::Softplus,
            Activation::Selu {
                alpha_q16: 109_657,
                gamma_q16: 68_859,
            },
            Activation::Silu,
            Activation::Erf,
        ];
        for a in all {
            assert_eq!(Activation::from_word(&a.to_word()), Some(a));
        }
        // SiLU is not monotone: its bounds over any interval hold every value in it.
        for s in [4, 8] {
            let unit = 1i64 << s;
            for (lo, hi) in [
                (-4 * unit, 4 * unit),
                (-2 * unit, -unit),
                (-unit, 0),
                (-8 * unit, -3 * unit),
            ] {
                let (bl, bh) = Activation::Silu.bounds(lo, hi, s);
                assert!(
                    (lo..=hi).all(|q| (bl..=bh).contains(&Activation::Silu.apply(q, s))),
                    "s={s} [{lo}, {hi}]"
                );
            }
        }
        // The two words of the earlier formats (0 identity, 1 relu) are unchanged.
        assert_eq!(Activation::Relu.to_word()[31], 1);
        let mut w = Activation::Sigmoid.to_word();
        w[23] = 1; // a parameter on a parameterless function
        assert_eq!(Activation::from_word(&w), None);
        assert_eq!(
            Activation::from_word(&Activation::Clip { lo: 5, hi: 4 }.to_word()),
            None
        );
        assert_eq!(
            Activation::from_word(&Activation::LeakyRelu { alpha_q16: -1 }.to_word()),
            None
        );
        let mut w = [0u8; 32];
        w[31] = 11;
        assert_eq!(Activation::from_word(&w), None, "unknown tag");
    }

    #[test]
    fn table_functions_round_and_saturate() {
        let s = 4;
        assert_eq!(Activation::Sigmoid.apply(0, s), 8);
        assert_eq!(Activation::Sigmoid.apply(1000, s), 16);
        assert_eq!(Activation::Sigmoid.apply(-1000, s), 0);
        assert_eq!(Activation::Tanh.apply(-1000, s), -16);
        assert_eq!(Activation::LeakyRelu { alpha_q16: 6554 }.apply(-10, s), -1);
        assert_eq!(Activation::LeakyRelu { alpha_q16: 6554 }.apply(10, s), 10);
        assert_eq!(Activation::Clip { lo: 0, hi: 96 }.apply(100, s), 96);
    }

    #[test]
    fn rescale_rounds_half_up_for_negatives_too() {
        assert_eq!(rescale(5 * 256 + 127, 8), 5);
        assert_eq!(rescale(5 * 256 + 128, 8), 6);
        assert_eq!(rescale(-5 * 256 - 128, 8), -5);
        assert_eq!(rescale(-5 * 256 - 129, 8), -6);
    }
}
