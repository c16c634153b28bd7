//! Fixed linear ONNX ops as affine maps on the flattened (row-major) activation.
//!
//! Every op here computes `y = A·x + c` for a matrix `A` and a vector `c` that depend only on the
//! op's attributes and constant inputs: convolution, average pooling, batch normalisation
//! (inference), padding, transposition, slicing, element-wise arithmetic with constants, and
//! matrix products with constant weights (and the windows of `MaxPool`, [`pool_cells`]). The
//! lowering composes consecutive affine maps into expressions over the last layer's output
//! (`onnx::state`), so a chain such as
//! `Conv → BatchNormalization → AveragePool → Conv` becomes **one** fixed-weight matrix, proven by
//! one RowSum instance whose verifier cost does not depend on the matrix size
//! (`docs/protocols/rowsum.md`).
//!
//! A map is stored sparsely, one list of `(input index, coefficient)` per output. The shapes always
//! include every dimension, the batch one too: a batch of `N` samples is one flattened tensor, and
//! a per-sample op is block-diagonal in it.

/// `y[i] = Σ_(j, w) ∈ rows[i] w·x[j] + bias[i]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Affine {
    /// The sparse rows of `A`, one per output element.
    pub rows: Vec<Vec<(usize, f64)>>,
    /// `c`, one per output element.
    pub bias: Vec<f64>,
}

impl Affine {
    /// Apply the map to `x` (used by tests and for composing).
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        self.rows
            .iter()
            .zip(&self.bias)
            .map(|(row, b)| row.iter().map(|(j, w)| w * x[*j]).sum::<f64>() + b)
            .collect()
    }
}

/// Where an output element of a data-movement op comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Source {
    /// Input element (flat index).
    Input(usize),
    /// A constant (padding value, concatenated constant).
    Const(f64),
}

/// Row-major strides of `shape`.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for axis in (0..shape.len().saturating_sub(1)).rev() {
        s[axis] = s[axis + 1] * shape[axis + 1];
    }
    s
}

/// The multi-index of flat position `flat` in `shape`.
pub fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for axis in (0..shape.len()).rev() {
        index[axis] = flat % shape[axis].max(1);
        flat /= shape[axis].max(1);
    }
    index
}

/// A data-movement map: output element `o` (of `out_len`) copies `source(o)`.
pub fn gather(out_len: usize, source: impl Fn(usize) -> Source) -> Affine {
    let mut map = Affine {
        rows: Vec::with_capacity(out_len),
        bias: Vec::with_capacity(out_len),
    };
    for o in 0..out_len {
        match source(o) {
            Source::Input(j) => {
                map.rows.push(vec![(j, 1.0)]);
                map.bias.push(0.0);
            }
            Source::Const(v) => {
                map.rows.push(vec![]);
                map.bias.push(v);
            }
        }
    }
    map
}

/// The spatial geometry shared by `Conv` and the pooling ops: per spatial axis, kernel size,
/// stride, dilation and the padding at the beginning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Kernel size per spatial axis.
    pub kernel: Vec<usize>,
    /// Stride per spatial axis.
    pub strides: Vec<usize>,
    /// Dilation per spatial axis.
    pub dilations: Vec<usize>,
    /// Padding before the first element, per spatial axis.
    pub pad_begin: Vec<usize>,
    /// Padding after the last element, per spatial axis.
    pub pad_end: Vec<usize>,
}

impl Window {
    /// Resolve ONNX's `auto_pad`/`pads` for inputs of spatial size `input`: `NOTSET` uses `pads`
    /// (`[b₁, b₂, …, e₁, e₂, …]`), `VALID` none, `SAME_UPPER`/`SAME_LOWER` the total that keeps
    /// `⌈in/stride⌉` outputs, its odd unit at the end (upper) or the beginning (lower).
    pub fn resolve(
        kernel: Vec<usize>,
        strides: Vec<usize>,
        dilations: Vec<usize>,
        pads: &[usize],
        auto_pad: &str,
        input: &[usize],
    ) -> Result<Self, String> {
        let rank = kernel.len();
        if strides.len() != rank || dilations.len() != rank || input.len() != rank {
            return Err(format!(
                "kernel {kernel:?}, strides {strides:?} and dilations {dilations:?} do not match {rank} spatial axes"
            ));
        }
        if strides.contains(&0) || dilations.contains(&0) || kernel.contains(&0) {
            return Err("kernel sizes, strides and dilations must be positive".into());
        }
        let (pad_begin, pad_end) = match auto_pad {
            "" | "NOTSET" => match pads.len() {
                0 => (vec![0; rank], vec![0; rank]),
                n if n == 2 * rank => (pads[..rank].to_vec(), pads[rank..].to_vec()),
                n => return Err(format!("`pads` has {n} values, expected {}", 2 * rank)),
            },
            "VALID" => (vec![0; rank], vec![0; rank]),
            "SAME_UPPER" | "SAME_LOWER" => {
                let mut begin = vec![0; rank];
                let mut end = vec![0; rank];
                for a in 0..rank {
                    let out = input[a].div_ceil(strides[a]);
                    let span = (kernel[a] - 1) * dilations[a] + 1;
                    let total = ((out - 1) * strides[a] + span).saturating_sub(input[a]);
                    let small = total / 2;
                    (begin[a], end[a]) = if auto_pad == "SAME_UPPER" {
                        (small, total - small)
                    } else {
                        (total - small, small)
                    };
                }
                (begin, end)
            }
            other => return Err(format!("auto_pad `{other}` is not an ONNX value")),
        };
        Ok(Self {
            kernel,
            strides,
            dilations,
            pad_begin,
            pad_end,
        })
    }

    /// The input coordinate read by output coordinate `o` and kernel offset `k` on axis `a`
    /// (possibly in the padding: negative or `≥` the input size).
    fn coordinate(&self, a: usize, o: usize, k: usize) -> isize {
        (o * self.strides[a] + k * self.dilations[a]) as isize - self.pad_begin[a] as isize
    }
}

/// Every multi-index of `shape`, in row-major order.
fn positions(shape: &[usize]) -> impl Iterator<Item = Vec<usize>> + '_ {
    (0..shape.iter().product::<usize>()).map(move |flat| unravel(flat, shape))
}

/// The shape rules both convolutions share: `x` is `[N, C, spatial…]`, `C` splits into `group`s,
/// the weights have `x`'s rank and fit it (`fits`, op-specific), the kernel is the window's, and
/// the output is `[N, M, spatial…]`. Returns the spatial rank.
#[allow(clippy::too_many_arguments)]
fn check_conv(
    op: &str,
    x: &[usize],
    w_shape: &[usize],
    group: usize,
    fits: bool,
    m: usize,
    window: &Window,
    out: &[usize],
) -> Result<usize, String> {
    let spatial = x
        .len()
        .checked_sub(2)
        .filter(|s| *s >= 1)
        .ok_or_else(|| format!("{op} needs [N, C, spatial…]"))?;
    if w_shape.len() != x.len() || group == 0 || !x[1].is_multiple_of(group) || !fits {
        return Err(format!(
            "weights {w_shape:?} and group {group} do not fit the input {x:?}"
        ));
    }
    if window.kernel != w_shape[2..] || out.len() != x.len() || out[0] != x[0] || out[1] != m {
        return Err(format!(
            "kernel {:?}, weights {w_shape:?} and output {out:?} disagree",
            window.kernel
        ));
    }
    Ok(spatial)
}

/// `ConvTranspose` (`x: [N, C, D…]`, `w: [C, M/group, K…]`, optional bias `[M]`) to output
/// `[N, M, O…]`: input `i` with kernel offset `k` adds `x·w` at `i·stride + k·dilation − pad_begin`
/// (positions outside the output are cropped). `window`'s `pad_begin` holds the explicit `pads`.
pub fn conv_transpose(
    x: &[usize],
    weights: &[f64],
    w_shape: &[usize],
    bias: Option<&[f64]>,
    group: usize,
    window: &Window,
    out: &[usize],
) -> Result<Affine, String> {
    let c = x.get(1).copied().unwrap_or(0);
    let fits = w_shape.first() == Some(&c);
    let m_per = w_shape.get(1).copied().unwrap_or(0);
    let spatial = check_conv("ConvTranspose", x, w_shape, group, fits, m_per * group, window, out)?;
    let (x_strides, w_strides, o_strides) = (strides(x), strides(w_shape), strides(out));
    let c_per = c / group;
    let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new(); out.iter().product()];
    for pos in positions(x) {
        let (b, ic) = (pos[0], pos[1]);
        let g = ic / c_per;
        let at: usize = pos.iter().zip(&x_strides).map(|(p, s)| p * s).sum();
        'kernel: for k in positions(&window.kernel) {
            let mut o_at = b * o_strides[0];
            for a in 0..spatial {
                let coord = (pos[2 + a] * window.strides[a] + k[a] * window.dilations[a]) as isize
                    - window.pad_begin[a] as isize;
                if coord < 0 || coord >= out[2 + a] as isize {
                    continue 'kernel;
                }
                o_at += coord as usize * o_strides[2 + a];
            }
            for mo in 0..m_per {
                let mut w_at = ic * w_strides[0] + mo * w_strides[1];
                for a in 0..spatial {
                    w_at += k[a] * w_strides[2 + a];
                }
                if weights[w_at] != 0.0 {
                    rows[o_at + (g * m_per + mo) * o_strides[1]].push((at, weights[w_at]));
                }
            }
        }
    }
    let bias = positions(out).map(|pos| bias.map_or(0.0, |b| b[pos[1]])).collect();
    Ok(Affine { rows, bias })
}

/// `Conv` (`x: [N, C, D…]`, `w: [M, C/group, K…]`, optional bias `[M]`) to output `[N, M, O…]`.
pub fn conv(
    x: &[usize],
    weights: &[f64],
    w_shape: &[usize],
    bias: Option<&[f64]>,
    group: usize,
    window: &Window,
    out: &[usize],
) -> Result<Affine, String> {
    let (c, m) = (x.get(1).copied().unwrap_or(0), w_shape.first().copied().unwrap_or(0));
    let fits = group > 0 && m.is_multiple_of(group) && w_shape.get(1) == Some(&(c / group));
    let spatial = check_conv("Conv", x, w_shape, group, fits, m, window, out)?;
    let (x_strides, w_strides) = (strides(x), strides(w_shape));
    let (c_per, m_per) = (c / group, m / group);
    let mut map = Affine::default();
    for pos in positions(out) {
        let (b, oc) = (pos[0], pos[1]);
        let g = oc / m_per;
        let mut row = Vec::new();
        for ic in 0..c_per {
            'kernel: for k in positions(&window.kernel) {
                let mut at = b * x_strides[0] + (g * c_per + ic) * x_strides[1];
                for a in 0..spatial {
                    let coord = window.coordinate(a, pos[2 + a], k[a]);
                    if coord < 0 || coord >= x[2 + a] as isize {
                        continue 'kernel;
                    }
                    at += coord as usize * x_strides[2 + a];
                }
                let mut w_at = oc * w_strides[0] + ic * w_strides[1];
                for a in 0..spatial {
                    w_at += k[a] * w_strides[2 + a];
                }
                if weights[w_at] != 0.0 {
                    row.push((at, weights[w_at]));
                }
            }
        }
        map.rows.push(row);
        map.bias.push(bias.map_or(0.0, |b| b[oc]));
    }
    Ok(map)
}

/// A `group = 1` convolution as im2col patches: the taps each output position reads and one
/// filter per output channel ([`conv_patches`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Patches {
    /// Per output position `p` (spatial, row-major), per tap `t = ic·|kernel| + k`: the flat input
    /// index it reads, or `None` for a padding tap (zero).
    pub taps: Vec<Vec<Option<usize>>>,
    /// Per output channel: its weight for every tap, in tap order.
    pub filters: Vec<Vec<f64>>,
    /// Per output channel: its bias.
    pub bias: Vec<f64>,
}

/// [`conv`] as [`Patches`] (batch 1, `group = 1`): output `(0, oc, p)` (flat `oc·P + p`) is
/// `Σ_t filters[oc][t]·x[taps[p][t]] + bias[oc]`. `None` when the shapes do not fit (the caller
/// then lowers the convolution densely, with [`conv`]'s errors).
pub fn conv_patches(
    x: &[usize],
    weights: &[f64],
    w_shape: &[usize],
    bias: Option<&[f64]>,
    window: &Window,
    out: &[usize],
) -> Option<Patches> {
    let (c, m) = (*x.get(1)?, *w_shape.first()?);
    let spatial = x.len().checked_sub(2)?;
    if x.first() != Some(&1) || out.first() != Some(&1) || w_shape.get(1) != Some(&c) || out.get(1) != Some(&m) {
        return None;
    }
    if w_shape.len() != x.len() || out.len() != x.len() || window.kernel.len() != spatial {
        return None;
    }
    let x_strides = strides(x);
    let per = window.kernel.iter().product::<usize>();
    let taps = positions(&out[2..])
        .map(|pos| {
            (0..c)
                .flat_map(|ic| positions(&window.kernel).map(move |k| (ic, k)))
                .map(|(ic, k)| {
                    let mut at = ic * x_strides[1];
                    for a in 0..spatial {
                        let coord = window.coordinate(a, pos[a], k[a]);
                        if coord < 0 || coord >= x[2 + a] as isize {
                            return None;
                        }
                        at += coord as usize * x_strides[2 + a];
                    }
                    Some(at)
                })
                .collect()
        })
        .collect();
    let filters = (0..m)
        .map(|oc| weights.get(oc * c * per..(oc + 1) * c * per).map(<[f64]>::to_vec))
        .collect::<Option<_>>()?;
    let bias = (0..m)
        .map(|oc| bias.map_or(Some(0.0), |b| b.get(oc).copied()))
        .collect::<Option<_>>()?;
    Some(Patches { taps, filters, bias })
}

/// `AveragePool` (`x: [N, C, D…]`) to output `out`; with `count_include_pad` the divisor counts the
/// explicit padding (never the extra cells `ceil_mode` adds beyond it).
pub fn average_pool(x: &[usize], window: &Window, count_include_pad: bool, out: &[usize]) -> Result<Affine, String> {
    let spatial = x
        .len()
        .checked_sub(2)
        .filter(|s| *s >= 1)
        .ok_or("AveragePool needs [N, C, spatial…]")?;
    if out.len() != x.len() || out[..2] != x[..2] || window.kernel.len() != spatial {
        return Err(format!("output {out:?} does not fit the input {x:?}"));
    }
    let x_strides = strides(x);
    let mut map = Affine::default();
    for pos in positions(out) {
        let base = pos[0] * x_strides[0] + pos[1] * x_strides[1];
        let (mut cells, mut count) = (Vec::new(), 0usize);
        'kernel: for k in positions(&window.kernel) {
            let mut at = base;
            let mut inside = true;
            for a in 0..spatial {
                let coord = window.coordinate(a, pos[2 + a], k[a]);
                let dim = x[2 + a] as isize;
                if coord < -(window.pad_begin[a] as isize) || coord >= dim + window.pad_end[a] as isize {
                    continue 'kernel; // beyond the explicit padding (ceil_mode)
                }
                if coord < 0 || coord >= dim {
                    inside = false;
                } else {
                    at += coord as usize * x_strides[2 + a];
                }
            }
            if inside {
                cells.push(at);
                count += 1;
            } else if count_include_pad {
                count += 1;
            }
        }
        if count == 0 {
            return Err(format!("the pooling window at {pos:?} covers no input"));
        }
        let w = 1.0 / count as f64;
        map.rows.push(cells.into_iter().map(|j| (j, w)).collect());
        map.bias.push(0.0);
    }
    Ok(map)
}

/// For each output of a pooling window over `x: [N, C, D…]`, the flat indices of the input cells
/// it covers (padding cells excluded).
pub fn pool_cells(x: &[usize], window: &Window, out: &[usize]) -> Result<Vec<Vec<usize>>, String> {
    let spatial = x
        .len()
        .checked_sub(2)
        .filter(|s| *s >= 1)
        .ok_or("pooling needs [N, C, spatial…]")?;
    if out.len() != x.len() || out[..2] != x[..2] || window.kernel.len() != spatial {
        return Err(format!("output {out:?} does not fit the input {x:?}"));
    }
    let x_strides = strides(x);
    let mut all = vec![];
    for pos in positions(out) {
        let base = pos[0] * x_strides[0] + pos[1] * x_strides[1];
        let mut cells = vec![];
        'kernel: for k in positions(&window.kernel) {
            let mut at = base;
            for a in 0..spatial {
                let coord = window.coordinate(a, pos[2 + a], k[a]);
                if coord < 0 || coord >= x[2 + a] as isize {
                    continue 'kernel;
                }
                at += coord as usize * x_strides[2 + a];
            }
            cells.push(at);
        }
        if cells.is_empty() {
            return Err(format!("the pooling window at {pos:?} covers no input"));
        }
        all.push(cells);
    }
    Ok(all)
}

/// `GlobalAveragePool`: `[N, C, D…] → [N, C, 1…]`, the mean of each channel.
pub fn global_average_pool(x: &[usize]) -> Result<Affine, String> {
    if x.len() < 3 {
        return Err(format!("GlobalAveragePool needs [N, C, spatial…], got {x:?}"));
    }
    let cell: usize = x[2..].iter().product();
    let w = 1.0 / cell as f64;
    Ok(Affine {
        rows: (0..x[0] * x[1])
            .map(|nc| (nc * cell..(nc + 1) * cell).map(|j| (j, w)).collect())
            .collect(),
        bias: vec![0.0; x[0] * x[1]],
    })
}

/// A per-channel (axis 1) scale and shift: `y = a[c]·x + b[c]` (inference `BatchNormalization`).
pub fn channel_affine(x: &[usize], a: &[f64], b: &[f64]) -> Result<Affine, String> {
    let channels = *x.get(1).ok_or("BatchNormalization needs [N, C, …]")?;
    if a.len() != channels || b.len() != channels {
        return Err(format!("{} parameters for {channels} channels", a.len()));
    }
    let inner: usize = x[2..].iter().product();
    let total: usize = x.iter().product();
    let channel = |j: usize| (j / inner) % channels;
    Ok(Affine {
        rows: (0..total).map(|j| vec![(j, a[channel(j)])]).collect(),
        bias: (0..total).map(|j| b[channel(j)]).collect(),
    })
}

/// Element-wise `y = a·x + b` with `a`, `b` already broadcast to the activation's shape.
pub fn elementwise(a: &[f64], b: &[f64]) -> Affine {
    Affine {
        rows: a.iter().enumerate().map(|(j, w)| vec![(j, *w)]).collect(),
        bias: b.to_vec(),
    }
}

/// `Transpose` with permutation `perm`: `out[i…] = x[i_perm…]`, output axis `a` is input axis
/// `perm[a]`.
pub fn transpose(x: &[usize], perm: &[usize]) -> Result<Affine, String> {
    let mut seen = vec![false; x.len()];
    if perm.len() != x.len()
        || perm
            .iter()
            .any(|p| *p >= x.len() || std::mem::replace(&mut seen[*p], true))
    {
        return Err(format!("perm {perm:?} is not a permutation of {} axes", x.len()));
    }
    let out: Vec<usize> = perm.iter().map(|p| x[*p]).collect();
    let x_strides = strides(x);
    let total = x.iter().product();
    Ok(gather(total, |o| {
        let index = unravel(o, &out);
        Source::Input(index.iter().zip(perm).map(|(i, p)| i * x_strides[*p]).sum())
    }))
}

/// A data-movement op that works axis by axis: output coordinate `o` on axis `a` reads input
/// coordinate `axes[a][o]`, or the constant `fill` where that is `None` (padding). Serves `Pad`
/// (every mode), `Slice` and the constant parts of nothing else.
pub fn per_axis(x: &[usize], axes: &[Vec<Option<usize>>], fill: f64) -> Affine {
    let out: Vec<usize> = axes.iter().map(Vec::len).collect();
    let x_strides = strides(x);
    let total = out.iter().product();
    gather(total, |o| {
        let index = unravel(o, &out);
        let mut at = 0;
        for (a, i) in index.iter().enumerate() {
            match axes[a][*i] {
                Some(src) => at += src * x_strides[a],
                None => return Source::Const(fill),
            }
        }
        Source::Input(at)
    })
}

/// The per-axis source lists of `Pad` (`pads = [b₁, …, e₁, …]`, negative values crop) in `mode`
/// `constant`, `reflect` or `edge`.
pub fn pad_axes(x: &[usize], pads: &[i64], mode: &str) -> Result<Vec<Vec<Option<usize>>>, String> {
    let rank = x.len();
    if pads.len() != 2 * rank {
        return Err(format!("`pads` has {} values, expected {}", pads.len(), 2 * rank));
    }
    (0..rank)
        .map(|a| {
            let (begin, end, dim) = (pads[a], pads[rank + a], x[a] as i64);
            let len = dim + begin + end;
            if len < 0 {
                return Err(format!(
                    "padding {begin}, {end} removes more than axis {a}'s {dim} elements"
                ));
            }
            if mode == "reflect" && (begin > dim - 1 || end > dim - 1) && (begin > 0 || end > 0) {
                return Err(format!(
                    "reflect padding {begin}, {end} needs more than axis {a}'s {dim} elements"
                ));
            }
            (0..len)
                .map(|o| {
                    let i = o - begin;
                    Ok(match mode {
                        _ if (0..dim).contains(&i) => Some(i as usize),
                        "constant" => None,
                        "edge" => Some(i.clamp(0, dim - 1) as usize),
                        "reflect" => Some(if i < 0 { -i } else { 2 * (dim - 1) - i } as usize),
                        other => return Err(format!("pad mode `{other}` is not supported (constant, reflect, edge)")),
                    })
                })
                .collect()
        })
        .collect()
}

/// The per-axis source lists of `Slice` (ONNX clamping rules, negative steps included).
pub fn slice_axes(
    x: &[usize],
    starts: &[i64],
    ends: &[i64],
    axes: &[i64],
    steps: &[i64],
) -> Result<Vec<Vec<Option<usize>>>, String> {
    let rank = x.len() as i64;
    let mut lists: Vec<Vec<Option<usize>>> = x.iter().map(|d| (0..*d).map(Some).collect()).collect();
    if starts.len() != ends.len() || axes.len() != starts.len() || steps.len() != starts.len() {
        return Err("starts, ends, axes and steps have different lengths".into());
    }
    for k in 0..starts.len() {
        let axis = if axes[k] < 0 { axes[k] + rank } else { axes[k] };
        if !(0..rank).contains(&axis) {
            return Err(format!("axis {} out of range for rank {rank}", axes[k]));
        }
        let dim = x[axis as usize] as i64;
        let step = steps[k];
        if step == 0 {
            return Err("a Slice step is 0".into());
        }
        let norm = |v: i64| if v < 0 { v.saturating_add(dim) } else { v };
        let (start, end) = if step > 0 {
            (norm(starts[k]).clamp(0, dim), norm(ends[k]).clamp(0, dim))
        } else {
            (norm(starts[k]).clamp(0, dim - 1), norm(ends[k]).clamp(-1, dim - 1))
        };
        let mut list = Vec::new();
        let mut i = start;
        while (step > 0 && i < end) || (step < 0 && i > end) {
            list.push(Some(i as usize));
            i += step;
        }
        lists[axis as usize] = list;
    }
    Ok(lists)
}

/// `x·B` for `x: [..., k]` and a constant `B: [k, n]` (row-major), batched over the leading axes.
pub fn matmul(x: &[usize], b: &[f64], k: usize, n: usize) -> Affine {
    let lead: usize = x[..x.len() - 1].iter().product();
    let mut map = Affine::default();
    for r in 0..lead {
        for i in 0..n {
            map.rows.push((0..k).map(|j| (r * k + j, b[j * n + i])).collect());
            map.bias.push(0.0);
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conv_transpose_scatters_each_input_through_the_kernel() {
        // x = [1, 2] (N = C = 1), w = [3, 5] (C = M = 1, K = 2).
        let apply = |m: &Affine, x: &[f64]| -> Vec<f64> {
            m.rows
                .iter()
                .zip(&m.bias)
                .map(|(r, b)| r.iter().map(|(j, w)| w * x[*j]).sum::<f64>() + b)
                .collect()
        };
        let window = |stride: usize, pad: usize| {
            Window::resolve(vec![2], vec![stride], vec![1], &[pad, pad], "NOTSET", &[2]).unwrap()
        };
        let w = [3.0, 5.0];
        // Stride 2: out = [3, 5, 6, 10]; stride 1: [3, 5 + 6, 10]; stride 1, pads 1: the middle.
        let m = conv_transpose(&[1, 1, 2], &w, &[1, 1, 2], None, 1, &window(2, 0), &[1, 1, 4]).unwrap();
        assert_eq!(apply(&m, &[1.0, 2.0]), vec![3.0, 5.0, 6.0, 10.0]);
        let m = conv_transpose(&[1, 1, 2], &w, &[1, 1, 2], Some(&[0.5]), 1, &window(1, 0), &[1, 1, 3]).unwrap();
        assert_eq!(apply(&m, &[1.0, 2.0]), vec![3.5, 11.5, 10.5]);
        let m = conv_transpose(&[1, 1, 2], &w, &[1, 1, 2], None, 1, &window(1, 1), &[1, 1, 1]).unwrap();
        assert_eq!(apply(&m, &[1.0, 2.0]), vec![11.0]);
        assert!(conv_transpose(&[1, 2, 2], &w, &[1, 1, 2], None, 1, &window(1, 0), &[1, 1, 3]).is_err());
    }

    #[test]
    fn conv_matches_a_direct_loop() {
        // 1×1×3×3 input, one 2×2 kernel, stride 1, pad 1 on each side, bias 0.5.
        let x: Vec<f64> = (1..=9).map(f64::from).collect();
        let w = [1.0, 2.0, 3.0, 4.0];
        let window = Window::resolve(vec![2, 2], vec![1, 1], vec![1, 1], &[1, 1, 1, 1], "NOTSET", &[3, 3]).unwrap();
        let map = conv(
            &[1, 1, 3, 3],
            &w,
            &[1, 1, 2, 2],
            Some(&[0.5]),
            1,
            &window,
            &[1, 1, 4, 4],
        )
        .unwrap();
        let y = map.apply(&x);
        // Top-left output reads only x[0][0] under kernel cell (1,1).
        assert_eq!(y[0], 4.0 * 1.0 + 0.5);
        // Output (1,1) reads x[0][0..2], x[1][0..2].
        assert_eq!(y[5], 1.0 * 1.0 + 2.0 * 2.0 + 3.0 * 4.0 + 4.0 * 5.0 + 0.5);
    }

    #[test]
    fn same_padding_puts_the_odd_unit_where_onnx_says() {
        let upper = Window::resolve(vec![2], vec![1], vec![1], &[], "SAME_UPPER", &[4]).unwrap();
        assert_eq!((upper.pad_begin[0], upper.pad_end[0]), (0, 1));
        let lower = Window::resolve(vec![2], vec![1], vec![1], &[], "SAME_LOWER", &[4]).unwrap();
        assert_eq!((lower.pad_begin[0], lower.pad_end[0]), (1, 0));
    }

    #[test]
    fn average_pool_counts_padding_only_when_asked() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let window = Window::resolve(vec![2], vec![2], vec![1], &[1, 1], "NOTSET", &[4]).unwrap();
        let excl = average_pool(&[1, 1, 4], &window, false, &[1, 1, 3]).unwrap().apply(&x);
        assert_eq!(excl, vec![1.0, 2.5, 4.0]);
        let incl = average_pool(&[1, 1, 4], &window, true, &[1, 1, 3]).unwrap().apply(&x);
        assert_eq!(incl, vec![0.5, 2.5, 2.0]);
    }

    #[test]
    fn pad_modes() {
        let x = [1.0, 2.0, 3.0];
        let run = |mode: &str| per_axis(&[3], &pad_axes(&[3], &[2, 1], mode).unwrap(), 9.0).apply(&x);
        assert_eq!(run("constant"), vec![9.0, 9.0, 1.0, 2.0, 3.0, 9.0]);
        assert_eq!(run("edge"), vec![1.0, 1.0, 1.0, 2.0, 3.0, 3.0]);
        assert_eq!(run("reflect"), vec![3.0, 2.0, 1.0, 2.0, 3.0, 2.0]);
        // Negative pads crop.
        let crop = per_axis(&[3], &pad_axes(&[3], &[-1, 0], "constant").unwrap(), 0.0).apply(&x);
        assert_eq!(crop, vec![2.0, 3.0]);
    }

    #[test]
    fn slice_follows_onnx_clamping() {
        let lists = slice_axes(&[5], &[-1], &[i64::MIN], &[0], &[-2]).unwrap();
        assert_eq!(lists[0], vec![Some(4), Some(2), Some(0)]);
        let lists = slice_axes(&[5], &[1], &[i64::MAX], &[0], &[1]).unwrap();
        assert_eq!(lists[0], vec![Some(1), Some(2), Some(3), Some(4)]);
    }

    #[test]
    fn transpose_permutes_axes() {
        let x: Vec<f64> = (0..6).map(f64::from).collect(); // [2, 3]
        assert_eq!(
            transpose(&[2, 3], &[1, 0]).unwrap().apply(&x),
            vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
        );
        assert!(transpose(&[2, 3], &[0, 0]).is_err());
    }
}
