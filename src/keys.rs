//! Proving and verifying keys, and `setup`.
//!
//! The verifying key (vk) holds everything the verifier needs and nothing it must read from a proof:
//! shapes (from which every domain is derived), one hiding commitment per weight matrix `[Ŵ]₁` and
//! per bias `[B̂]₁` (RowSum), the lookup table's value and function columns, `[τ]₂`, the scale, and
//! the input visibility. Its canonical encoding
//! (`VerifyingKey::to_words`, 32-byte words) is the `vk.bin` file; `keccak256` of it is the digest
//! absorbed first by the transcript and embedded in the Solidity verifier.

use crate::blocks::rowsum::{BiasColumn, LayerShape, RowSumPlan};
use crate::field::{g1_from_words, g1_to_words, Word};
use crate::kzg::{commit, G2Points, KzgError};
use crate::lookup_table::{LookupTable, MAX_KINDS};
use crate::model::{Activation, LayerOp, QuantizedModel};
use crate::poly::Domain;
use crate::protocol::tensor_domain;
use crate::srs::Srs;
use crate::transcript::{keccak256, word_u64};
use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField, Zero};
use ark_poly::univariate::DensePolynomial;
use serde::{Deserialize, Serialize};

/// Format version written as the first vk word. 3: a hidden input's layer-0 weight columns are
/// committed in the bit-reversed input layout, and visibility 2 (committed) exists. 5: layer op
/// words. 6: the same words, for the proof with the table side and the planned lookup shares
/// folded into the running sum (`blocks::fold`): the digest of a version-5 vk must not name the new
/// proof layout. 7 (never released): a dense layer whose input has a padding column with a forced
/// value keeps its bias in that column of `[Ŵ]` and has no `[B̂]` word pair ([`BiasColumn`]); the
/// decider's `[W']` is the Shplonk opening divided by `Z_T(ξ)`. 8: the vk words of 7, for the proof
/// that ends with the inversion hint (`Proof::inverse`). 9: the vk words of 8, for the proof whose
/// columns share grouped commitments (`protocol::Layout::groups`). 10: the vk words of 9, for the
/// proof in which a wide output (`model::wide_output`) looks up only its rescale remainder, and
/// whose verifier range-checks that output as a 64-bit integer. 11: dense layers on equal domains
/// share one RowSum instance ([`RowSumPlan`]): one running sum after the challenge `λ`, and ONE
/// `[B̂]` word pair per instance (on its first layer without a bias column) holding every such
/// layer's bias in its own column.
pub const VK_VERSION: u64 = 11;

/// Whether the model input is part of the public statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum Visibility {
    /// The verifier sees the input.
    Public,
    /// The input is a hidden witness (range-checked to the lookup window), bound to nothing: the
    /// proof says "some input gives these outputs".
    Private,
    /// The input stays hidden but is bound to a public hiding commitment that its owner published
    /// (`zkt-eth commit-input`, `docs/protocols/input_binding.md`): the proof says "the input
    /// behind this commitment gives these outputs".
    Committed,
}

impl Visibility {
    /// The vk word and the Solidity `inputVisibility()` code: 0 private, 1 public, 2 committed.
    pub fn code(self) -> u64 {
        match self {
            Visibility::Private => 0,
            Visibility::Public => 1,
            Visibility::Committed => 2,
        }
    }
    /// The input is a hidden witness (private or committed).
    pub fn hidden(self) -> bool {
        self != Visibility::Public
    }
    /// Lower-case name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Public => "public",
            Visibility::Committed => "committed",
        }
    }
}

/// One layer of the vk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerVk {
    /// Real input length.
    pub in_len: usize,
    /// Real output length.
    pub out_len: usize,
    /// Activation after rescaling.
    pub activation: Activation,
    /// Dense or patch (a RowSum instance), a product of the input's halves or a coset sum (a Gate
    /// instance), a coset max (a CosetMax instance) or a copy (a Copy instance).
    pub op: LayerOp,
    /// The activation applies to the even outputs, the identity to the odd ones
    /// ([`crate::model::DenseLayer::mixed`]).
    pub mixed: bool,
    /// `[Ŵ(τ)]₁`: the whole weight matrix on the matrix domain `H_K` (`K = M·N`), hiding
    /// ([`WeightBlinds`], `docs/protocols/rowsum.md`). The identity for a product layer (not
    /// encoded: it has no weights).
    pub weights: G1Affine,
    /// `[B̂(τ)]₁`: the biases of this layer's RowSum instance, each in its slot's column of `H_K`
    /// (one layer: the row starts), hiding. The identity, and not encoded, unless the layer carries
    /// its instance's biases ([`RowSumPlan::carries_bias`]).
    ///
    /// A copy layer ([`LayerOp::Copy`]) keeps its public tag column `[Ŝ]` in `weights` and its
    /// count column `[m̂]` in `bias` ([`crate::blocks::copy::vk_polys`]).
    pub bias: G1Affine,
    /// A copy layer's map `σ` (encoded eight entries per word after its two points); empty for
    /// every other op.
    pub map: Vec<u32>,
}

/// The verifying key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyingKey {
    /// `s`.
    pub scale_bits: u32,
    /// `B`.
    pub lookup_bits: u32,
    /// Input visibility.
    pub input: Visibility,
    /// Layers in order.
    pub layers: Vec<LayerVk>,
    /// The lookup domain `H_n`: the table (`K·2^B` rows, kinds interleaved, padded by repeating
    /// the first `K` rows, [`LookupTable`]), its multiplicities and the running sum live on it;
    /// every tensor domain divides it ([`model_domain`]).
    pub domain: Domain,
    /// `[v]₁`, `[f(v)]₁` of the table columns (the kind column is public in closed form,
    /// [`LookupTable::kind_at`]).
    pub table: [G1Affine; 2],
    /// `[1]₂`, `[τ]₂`.
    pub g2: G2Points,
    /// The SRS was generated with `--dev` (INSECURE).
    pub insecure: bool,
    /// The fold budget `log2` ([`crate::blocks::fold`]): which lookup shares fold into the running
    /// sum, a gas-versus-proving-time choice made at `compile`.
    pub fold_log: u32,
}

/// The proving key: the model, the SRS prefix the prover needs, and the vk.
#[derive(Clone, Debug)]
pub struct ProvingKey {
    /// The quantized model (weights are the prover's secret).
    pub model: QuantizedModel,
    /// `[τ^i]₁` for `i < srs_len`.
    pub g1: Vec<G1Affine>,
    /// `[L_j(τ)]₁` for the model's domain (commitments of sparse vectors cost their support only).
    pub lagrange: Vec<G1Affine>,
    /// The blinding of the vk's weight and bias commitments (secret, like the weights).
    pub blinds: WeightBlinds,
    /// The verifying key.
    pub vk: VerifyingKey,
}

/// The secret blinding scalars that make the vk's weight and bias commitments **hiding**: the vk
/// commits `Ŵ = W + ρ_W·Z_K` and `B̂ = B + ρ_B·Z_K` instead of `W` and `B` (both on the layer's
/// matrix domain `H_K`).
///
/// A plain commitment `Σ_k W_k·[L_k(τ)]₁` can be recomputed by anyone from the public SRS (the
/// Lagrange basis is an inverse FFT of the powers), so guessed weights could be confirmed, and
/// small weights recovered, from `vk.bin` alone. With `ρ` uniform and `Z_K(τ) ≠ 0` (setup refuses
/// a `τ` in any domain), `[Ŵ]₁ = [W]₁ + ρ_W·[Z_K(τ)]₁` is a uniformly random point, whatever `W`.
///
/// Nothing changes on `H_K` (`Z_K` vanishes there), so the RowSum identities read the same
/// weights; `Ŵ` and `B̂` are never evaluated on their own (they only enter the linearised quotient
/// claim), so one blinding scalar each suffices: they are revealed at `τ` only. The prover adds
/// the multiples of `Z_K` into its quotient, so the verifiers never see `ρ`.
///
/// Derived from a 32-byte seed stored in `pk.bin` (ChaCha20: layer 0's `ρ_W`, its `ρ_B`, layer 1, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightBlinds {
    /// The seed the scalars are derived from.
    pub seed: [u8; 32],
    /// `ρ_W` per layer.
    pub weights: Vec<Fr>,
    /// `ρ_B` per layer.
    pub bias: Vec<Fr>,
}

impl WeightBlinds {
    /// The blinding scalars of `model` from `seed`.
    pub fn derive(seed: [u8; 32], model: &QuantizedModel) -> Self {
        use ark_ff::UniformRand;
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
        let mut weights = vec![];
        let mut bias = vec![];
        for _ in &model.layers {
            weights.push(Fr::rand(&mut rng));
            bias.push(Fr::rand(&mut rng));
        }
        Self { seed, weights, bias }
    }

    /// `ρ·Z_D(X)` as a polynomial: `ρ·X^n − ρ` for `n = |D|`.
    pub fn vanishing_multiple(rho: Fr, d: Domain) -> DensePolynomial<Fr> {
        let mut c = vec![Fr::zero(); d.size() + 1];
        c[0] = -rho;
        c[d.size()] = rho;
        DensePolynomial { coeffs: c }
    }
}

/// Where setup takes the blinding seed of the weight commitments from.
#[derive(Clone, Copy, Debug)]
pub enum BlindSeed {
    /// Fresh OS randomness (every real setup).
    Random,
    /// A fixed seed: reproducible keys for `--dev` setups (whose τ is public anyway), so committed
    /// test verifiers and fixtures stay stable.
    Fixed([u8; 32]),
}

/// Errors of setup and key decoding.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The model fails [`QuantizedModel::validate`].
    #[error("invalid model: {0}")]
    BadModel(String),
    /// The model, the proving key and the vk do not belong together.
    #[error("{0}")]
    Mismatch(String),
    /// The SRS is too short.
    #[error(transparent)]
    Srs(#[from] KzgError),
    /// The SRS does not have enough powers.
    #[error("the model needs an SRS with at least {needed} G1 powers but the SRS has {have}; use a larger .ptau (power ≥ {power})")]
    SrsTooSmall {
        /// Powers needed.
        needed: usize,
        /// Powers available.
        have: usize,
        /// Smallest ptau power that suffices.
        power: u32,
    },
    /// A vk file is malformed.
    #[error("malformed verifying key: {0}")]
    Malformed(String),
    /// `τ` has small order: it lies in the evaluation domain, so blinded commitments collapse.
    #[error(
        "the SRS is unusable: τ^{n} = 1, so τ lies in the {n}-point evaluation domain and blinding \
         (multiples of Z_H, which vanishes at τ) would hide nothing; use a real ceremony .ptau"
    )]
    SmallOrderTau {
        /// The domain size `n` with `[τ^n]₁ = [1]₁`.
        n: usize,
    },
}

/// The one domain of a model: every tensor (padded) and the lookup table live on it, so that every
/// sum claim of the protocol has total zero and no sum is ever revealed (zero knowledge, see
/// `docs/protocols/README.md`). Its size is the larger of the widest tensor and the table's
/// `K·2^B` rows ([`LookupTable::rows`]).
pub fn model_domain(widest: usize, table_rows: usize) -> Domain {
    Domain::for_len(widest.max(8).max(table_rows))
}

/// The domain of `model`.
pub fn domain_of(model: &QuantizedModel) -> Domain {
    let widest = model
        .layers
        .iter()
        .flat_map(|l| [l.in_len(), l.out_len()])
        .max()
        .unwrap_or(1);
    model_domain(widest, model.lookup_table().rows())
}

/// The G1 powers a model needs: one more than the largest degree of any committed polynomial
/// ([`crate::protocol::Layout::max_degree`]: `K + 3M` for a RowSum quotient, whose `x(X^M)` has
/// degree `K + (b − 1)·M` for an input with `b ≤ 4` blinding coefficients; below `3n` for the lookup
/// domain's identities; the running sum's with its folded shares, [`crate::blocks::fold`]).
pub fn srs_len_for(model: &QuantizedModel) -> usize {
    let shapes: Vec<_> = model.layers.iter().map(|l| (l.in_len(), l.out_len(), l.op)).collect();
    // As if the input were hidden: an upper bound for every visibility ([`crate::blocks::fold`]).
    crate::blocks::fold::plan(
        domain_of(model).size(),
        &shapes,
        model.input_len(),
        true,
        model.fold_log,
    )
    .srs_len()
}

/// The largest domain of a model (the lookup domain or a matrix domain): `τ` must lie outside it.
pub fn max_domain_of(model: &QuantizedModel) -> Domain {
    let n = domain_of(model);
    model
        .layers
        .iter()
        .fold(n, |d, l| Domain::new(d.log_size.max(l.matrix_log().unwrap_or(0))))
}

/// `W` of a matrix of shape `(in_len, out_len)` on its matrix domain, without the hiding term of
/// [`layer_weight_poly`]: the weights, with the bias as an extra column when the layer has a bias
/// column ([`BiasColumn`]).
///
/// `bitrev`: the layer reads the hidden model input, whose value `j` sits at position `bitrev(j)`
/// (`blocks::Tensor::bitrev`), so column `j` of `W` is placed there too.
pub fn plain_weight_poly(
    (weights, bias): (&[Vec<i64>], &[i64]),
    (in_len, out_len): (usize, usize),
    (bitrev, column): (bool, Option<BiasColumn>),
) -> DensePolynomial<Fr> {
    let (nd, md) = (tensor_domain(in_len), tensor_domain(out_len));
    let kd = Domain::new(nd.log_size + md.log_size);
    let augmented;
    let weights = match column {
        Some(_) => {
            augmented = BiasColumn::augment(weights, bias);
            &augmented[..]
        }
        None => weights,
    };
    let w = crate::blocks::rowsum::positioned_weights(weights, nd, bitrev);
    kd.interpolate(&crate::blocks::rowsum::matrix_values(&w, nd, kd))
}

/// The hiding term `ρ_W·Z_K` of [`layer_weight_poly`] for a matrix of shape `(in_len, out_len)`.
pub fn weight_hiding(rho: Fr, (in_len, out_len): (usize, usize)) -> DensePolynomial<Fr> {
    let kd = Domain::new(tensor_domain(in_len).log_size + tensor_domain(out_len).log_size);
    WeightBlinds::vanishing_multiple(rho, kd)
}

/// The model's RowSum plan: which layers share an instance and where each keeps its bias, a
/// function of the vk's shapes only.
pub fn model_plan(model: &QuantizedModel, input: Visibility) -> RowSumPlan {
    let shapes: Vec<LayerShape> = model
        .layers
        .iter()
        .map(|l| LayerShape::of(l.in_len(), l.out_len(), (l.op, l.mixed), l.activation))
        .collect();
    RowSumPlan::of(&shapes, input.hidden(), model.scale_bits)
}

/// The hiding bias polynomial `B̂ = B + ρ_B·Z_K` of a RowSum instance on `H_K`: each slotted layer's
/// bias in its column (one layer: at the row starts).
pub fn bias_poly(slotted: &[(usize, &[i64])], rho: Fr, in_len: usize, out_len: usize) -> DensePolynomial<Fr> {
    let (nd, md) = (tensor_domain(in_len), tensor_domain(out_len));
    let kd = Domain::new(nd.log_size + md.log_size);
    &kd.interpolate(&crate::blocks::rowsum::bias_values(slotted, nd, kd)) + &WeightBlinds::vanishing_multiple(rho, kd)
}

/// The biases carrier `k`'s `[B̂]` holds, with their slots (`plan.slotted(k)` with the model's
/// values; a patch layer's bias per row, [`crate::model::DenseLayer::matrix_rows`]).
pub fn slotted_biases(model: &QuantizedModel, plan: &RowSumPlan, k: usize) -> Vec<(usize, Vec<i64>)> {
    plan.slotted(k)
        .into_iter()
        .map(|(l, slot)| (slot, model.layers[l].matrix_rows().1.into_owned()))
        .collect()
}

/// [`bias_poly`] of carrier `k`'s `[B̂]` from the model.
pub fn layer_bias_poly(model: &QuantizedModel, plan: &RowSumPlan, k: usize, rho: Fr) -> DensePolynomial<Fr> {
    let owned = slotted_biases(model, plan, k);
    let slotted: Vec<(usize, &[i64])> = owned.iter().map(|(s, b)| (*s, &b[..])).collect();
    let (n, m) = model.layers[k].matrix_shape();
    bias_poly(&slotted, rho, n, m)
}

/// [`plain_weight_poly`] of RowSum layer `k` of `model`: its matrix rows
/// ([`crate::model::DenseLayer::matrix_rows`]) on its matrix domain, placed by `plan` and `input`.
pub fn layer_plain_weight_poly(
    model: &QuantizedModel,
    plan: &RowSumPlan,
    input: Visibility,
    k: usize,
) -> DensePolynomial<Fr> {
    let l = &model.layers[k];
    let (w, b) = l.matrix_rows();
    plain_weight_poly(
        (&w, &b),
        l.matrix_shape(),
        (k == 0 && input.hidden(), plan.bias_column(k)),
    )
}

/// The hiding weight polynomial `Ŵ = W + ρ_W·Z_K` of RowSum layer `k` of `model` on its matrix
/// domain ([`layer_plain_weight_poly`] and [`weight_hiding`]).
pub fn layer_weight_poly(
    model: &QuantizedModel,
    plan: &RowSumPlan,
    input: Visibility,
    k: usize,
    rho: Fr,
) -> DensePolynomial<Fr> {
    &layer_plain_weight_poly(model, plan, input, k) + &weight_hiding(rho, model.layers[k].matrix_shape())
}

impl ProvingKey {
    /// Commit the model's weights and the lookup table.
    pub fn setup(model: &QuantizedModel, srs: &Srs, input: Visibility) -> Result<Self, KeyError> {
        let seed = match srs.source {
            crate::srs::SrsSource::Dev { seed } => {
                let mut s = [0u8; 32];
                s[..8].copy_from_slice(&seed.to_le_bytes());
                s[8..].copy_from_slice(b"zkt-eth.dev-weight-blind");
                BlindSeed::Fixed(s)
            }
            crate::srs::SrsSource::Ptau { .. } => BlindSeed::Random,
        };
        Self::setup_with(model, srs, input, seed)
    }

    /// [`ProvingKey::setup`] with an explicit source for the weight-commitment blinding.
    pub fn setup_with(model: &QuantizedModel, srs: &Srs, input: Visibility, seed: BlindSeed) -> Result<Self, KeyError> {
        let seed = match seed {
            BlindSeed::Fixed(s) => s,
            BlindSeed::Random => {
                use rand::RngCore;
                let mut s = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut s);
                s
            }
        };
        model.validate().map_err(|e| KeyError::BadModel(e.to_string()))?;
        let needed = srs_len_for(model);
        if srs.g1.len() < needed {
            let power = needed.next_power_of_two().trailing_zeros();
            return Err(KeyError::SrsTooSmall {
                needed,
                have: srs.g1.len(),
                power,
            });
        }
        let g1 = srs.g1[..needed].to_vec();
        let domain = domain_of(model);
        // τ in a domain (τ^K = 1) makes Z_K(τ) = 0: every blinding term Z_K·b commits to nothing.
        // Every domain is a subgroup of the largest one, so τ^{2^k} = 1 ⇒ τ^{max} = 1.
        let max = max_domain_of(model);
        if g1.get(max.size()) == Some(&g1[0]) {
            return Err(KeyError::SmallOrderTau { n: max.size() });
        }
        let blinds = WeightBlinds::derive(seed, model);
        let plan = model_plan(model, input);
        let bar = crate::progress::task("commit weight matrices (hiding)", model.layers.len() as u64);
        let layers = model
            .layers
            .iter()
            .zip(blinds.weights.iter().zip(&blinds.bias))
            .enumerate()
            .map(|(k, (layer, (rho_w, rho_b)))| {
                let (i, o) = (layer.in_len(), layer.out_len());
                let (weights, bias) = match layer.op {
                    LayerOp::Dense | LayerOp::Patch { .. } => (
                        commit(&g1, &layer_weight_poly(model, &plan, input, k, *rho_w))?,
                        match plan.carries_bias(k) {
                            false => G1Affine::zero(),
                            true => commit(&g1, &layer_bias_poly(model, &plan, k, *rho_b))?,
                        },
                    ),
                    LayerOp::Copy { .. } => {
                        let [tags, counts] = copy_polys(model, input, k);
                        (commit(&g1, &tags)?, commit(&g1, &counts)?)
                    }
                    LayerOp::Product { .. }
                    | LayerOp::Square { .. }
                    | LayerOp::CosetSum { .. }
                    | LayerOp::CosetMax { .. } => (G1Affine::zero(), G1Affine::zero()),
                };
                bar.inc(1);
                Ok(LayerVk {
                    in_len: i,
                    out_len: o,
                    activation: layer.activation,
                    op: layer.op,
                    mixed: layer.mixed,
                    weights,
                    bias,
                    map: layer.map.clone(),
                })
            })
            .collect::<Result<Vec<_>, KeyError>>()?;
        bar.finish();
        let bar = crate::progress::task("commit the lookup table", 2);
        let cols = model.lookup_table().columns(domain);
        let mut table = [G1Affine::zero(); 2];
        for (t, c) in table.iter_mut().zip(&cols[1..]) {
            *t = commit(&g1, &domain.interpolate(c))?;
            bar.inc(1);
        }
        bar.finish();
        let vk = VerifyingKey {
            scale_bits: model.scale_bits,
            lookup_bits: model.lookup_bits,
            input,
            layers,
            domain,
            table,
            g2: G2Points {
                one: srs.g2[0],
                tau: srs.g2[1],
            },
            // Insecure unless τ is checked to come from a pinned public ceremony: a self-made
            // .ptau is as forgeable as --dev for whoever made it.
            insecure: srs.is_insecure() || crate::ceremony::identify(&srs.g2[1]).is_none(),
            fold_log: model.fold_log,
        };
        let spin = crate::progress::task(&format!("Lagrange basis over G1 ({} points)", domain.size()), 0);
        let lagrange = crate::kzg::lagrange_basis(&g1, domain)?;
        spin.finish();
        Ok(Self {
            model: model.clone(),
            blinds,
            g1,
            lagrange,
            vk,
        })
    }
}

/// Check that `model` is the model `vk` was made for and that `g1`/`lagrange` are an SRS prefix
/// and Lagrange basis of the right sizes, before any proving work.
///
/// Shapes, scale, window and activations are compared directly. The weights and biases are
/// compared with the vk's commitments by one random linear combination per layer: with fresh
/// 128-bit `r`, `t` (thread-local CSPRNG), `r·[Ŵ] + t·[B̂] = [r·Ŵ + t·B̂]`, recomputed from the
/// weights, the bias and the blinding seed. Cost: one MSM of the layer's matrix domain `K` (the
/// same as one RowSum column at proving time). A model edited after `setup` fails with probability
/// `1 − 2^-128`.
pub fn check_model_against_vk(
    model: &QuantizedModel,
    vk: &VerifyingKey,
    g1: &[G1Affine],
    lagrange: &[G1Affine],
    blinds: &WeightBlinds,
) -> Result<(), KeyError> {
    use rand::Rng;
    check_model_shape_against_vk(model, vk, g1, lagrange)?;
    let differs = |what: String| Err(KeyError::Mismatch(format!("{what} differs from vk.bin")));
    // Per layer, one random combination of the hiding weight and bias polynomials against the
    // same combination of the vk points: one MSM of the layer's matrix domain.
    let mut rng = rand::thread_rng();
    let plan = vk.rowsum_plan();
    for (k, (l, lv)) in model.layers.iter().zip(&vk.layers).enumerate() {
        if l.op.is_copy() {
            // The public tag and count columns, recomputed from the map (compared above).
            let (r, t) = (Fr::from(rng.gen::<u128>()), Fr::from(rng.gen::<u128>()));
            let [tags, counts] = copy_polys(model, vk.input, k);
            let lhs = crate::kzg::lincomb(&[(r, lv.weights), (t, lv.bias)]).into_affine();
            if lhs != commit(g1, &(&(&tags * r) + &(&counts * t)))? {
                return differs(format!("the copy columns of layers[{k}] ({})", l.name));
            }
            continue;
        }
        if !l.op.is_rowsum() {
            continue; // no weights: compared above
        }
        let (r, t) = (Fr::from(rng.gen::<u128>()), Fr::from(rng.gen::<u128>()));
        let what = layer_weight_poly(model, &plan, vk.input, k, blinds.weights[k]);
        let (combined, lhs) = match plan.carries_bias(k) {
            // The bias is inside [Ŵ], or in another layer's [B̂] (compared there): one point,
            // compared with one random multiple.
            false => (&what * r, crate::kzg::lincomb(&[(r, lv.weights)]).into_affine()),
            true => (
                &(&what * r) + &(&layer_bias_poly(model, &plan, k, blinds.bias[k]) * t),
                crate::kzg::lincomb(&[(r, lv.weights), (t, lv.bias)]).into_affine(),
            ),
        };
        if lhs != commit(g1, &combined)? {
            let shared: Vec<String> = plan
                .slotted(k)
                .iter()
                .filter(|(other, _)| *other != k)
                .map(|(other, _)| format!("layers[{other}]"))
                .collect();
            let also = if plan.carries_bias(k) && !shared.is_empty() {
                format!(", or the bias of {} (kept in the same [B̂])", shared.join(", "))
            } else {
                String::new()
            };
            return differs(format!("the weights or bias of layers[{k}] ({}){also}", l.name));
        }
    }
    Ok(())
}

/// The cheap part of [`check_model_against_vk`], without its MSMs: `model` is valid, its scale,
/// window, fold budget, layer shapes, ops and activations are the vk's, and `g1`/`lagrange` have
/// the sizes the model needs, `g1` starting with `[1]₁`. `artifacts::load_pk` runs it always, and
/// the weight comparison only for a `model.json` that is not the one setup recorded.
pub fn check_model_shape_against_vk(
    model: &QuantizedModel,
    vk: &VerifyingKey,
    g1: &[G1Affine],
    lagrange: &[G1Affine],
) -> Result<(), KeyError> {
    model.validate().map_err(|e| KeyError::BadModel(e.to_string()))?;
    let differs = |what: String| Err(KeyError::Mismatch(format!("{what} differs from vk.bin")));
    if (model.scale_bits, model.lookup_bits) != (vk.scale_bits, vk.lookup_bits) {
        return differs(format!(
            "(scale_bits, lookup_bits) = ({}, {})",
            model.scale_bits, model.lookup_bits
        ));
    }
    if model.fold_log != vk.fold_log {
        return differs(format!("the fold budget (2^{})", model.fold_log));
    }
    if model.layers.len() != vk.layers.len() {
        return differs(format!("the number of layers ({})", model.layers.len()));
    }
    for (k, (l, lv)) in model.layers.iter().zip(&vk.layers).enumerate() {
        if (l.in_len(), l.out_len(), l.activation, l.op, l.mixed)
            != (lv.in_len, lv.out_len, lv.activation, lv.op, lv.mixed)
        {
            return differs(format!(
                "layers[{k}] ({} inputs, {} outputs, {:?}, {:?}, mixed {})",
                l.in_len(),
                l.out_len(),
                l.activation,
                l.op,
                l.mixed
            ));
        }
        if l.map != lv.map {
            return differs(format!("layers[{k}]'s copy map"));
        }
    }
    let n = vk.domain.size();
    if lagrange.len() != n || g1.len() != srs_len_for(model) {
        return Err(KeyError::Mismatch(format!(
            "the proving key has {} SRS powers and {} Lagrange points; this model needs {} and {n}",
            g1.len(),
            lagrange.len(),
            srs_len_for(model)
        )));
    }
    if g1.first() != Some(&G1Affine::generator()) {
        return Err(KeyError::Mismatch(
            "the proving key's SRS does not start with [1]₁".into(),
        ));
    }
    Ok(())
}

fn fq_word(x: &Fq) -> Word {
    let mut w = [0u8; 32];
    w.copy_from_slice(&x.into_bigint().to_bytes_be());
    w
}

/// G2 point in the EVM pairing precompile's order: `x.c1, x.c0, y.c1, y.c0`.
pub fn g2_to_words(p: &G2Affine) -> [Word; 4] {
    let (x, y) = p.xy().unwrap_or((Fq2::zero(), Fq2::zero()));
    [fq_word(&x.c1), fq_word(&x.c0), fq_word(&y.c1), fq_word(&y.c0)]
}

fn g2_from_words(w: &[Word]) -> Result<G2Affine, KeyError> {
    let f = |b: &Word| {
        let x = Fq::from_be_bytes_mod_order(b);
        (fq_word(&x) == *b)
            .then_some(x)
            .ok_or_else(|| KeyError::Malformed("G2 coordinate ≥ p".into()))
    };
    let p = G2Affine::new_unchecked(Fq2::new(f(&w[1])?, f(&w[0])?), Fq2::new(f(&w[3])?, f(&w[2])?));
    if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() || p.is_zero() {
        return Err(KeyError::Malformed("[τ]₂ is not a valid G2 point".into()));
    }
    Ok(p)
}

impl LayerVk {
    /// What [`RowSumPlan::of`] reads.
    pub fn shape(&self) -> LayerShape {
        LayerShape::of(self.in_len, self.out_len, (self.op, self.mixed), self.activation)
    }
}

impl VerifyingKey {
    /// The number of G1 points in the vk: the table columns, then each layer's
    /// ([`LayerOp::vk_points`]: per dense layer `[Ŵ]` and, per RowSum instance with a slotted
    /// bias, one `[B̂]`; a patch layer's `[Ŵ]`, `[B̂]`; a copy's `[Ŝ]`, `[m̂]`), the count that the
    /// Solidity verifier's `VK_POINTS` holds besides `G`.
    pub fn g1_points(&self) -> usize {
        let plan = self.rowsum_plan();
        self.table.len()
            + (0..self.layers.len())
                .map(|k| self.layers[k].op.vk_points(plan.carries_bias(k)))
                .sum::<usize>()
    }

    /// Which layers share a RowSum instance and where each keeps its bias.
    pub fn rowsum_plan(&self) -> RowSumPlan {
        let shapes: Vec<_> = self.layers.iter().map(LayerVk::shape).collect();
        RowSumPlan::of(&shapes, self.input.hidden(), self.scale_bits)
    }

    /// Canonical encoding (the `vk.bin` file and the digest preimage). A copy layer's map follows
    /// its two points, eight big-endian `u32` entries per word (zero-filled).
    pub fn to_words(&self) -> Vec<Word> {
        let mut w = vec![
            word_u64(VK_VERSION),
            word_u64(self.scale_bits.into()),
            word_u64(self.lookup_bits.into()),
            word_u64(self.input.code()),
            word_u64(self.insecure.into()),
            word_u64(self.fold_log.into()),
            word_u64(self.layers.len() as u64),
        ];
        let plan = self.rowsum_plan();
        for (k, l) in self.layers.iter().enumerate() {
            w.extend([
                word_u64(l.in_len as u64),
                word_u64(l.out_len as u64),
                l.activation.to_word(),
                word_u64(if l.mixed { 2 } else { l.op.code() }),
            ]);
            if let LayerOp::Patch { patches, .. } = l.op {
                w.push(word_u64(patches as u64));
            }
            if l.op.is_rowsum() {
                w.extend(g1_to_words(&l.weights));
                if plan.carries_bias(k) {
                    w.extend(g1_to_words(&l.bias));
                }
            }
            if l.op.is_copy() {
                w.extend(g1_to_words(&l.weights));
                w.extend(g1_to_words(&l.bias));
                w.extend(map_words(&l.map));
            }
        }
        for t in &self.table {
            w.extend(g1_to_words(t));
        }
        w.extend(g2_to_words(&self.g2.tau));
        w
    }

    /// The vk as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_words().concat()
    }

    /// `keccak256(to_bytes())`.
    pub fn digest(&self) -> Word {
        keccak256(&self.to_bytes())
    }

    /// Decode and validate a vk file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if !bytes.len().is_multiple_of(32) {
            return Err(KeyError::Malformed(format!(
                "length {} is not a multiple of 32",
                bytes.len()
            )));
        }
        let words: Vec<Word> = bytes
            .chunks_exact(32)
            .map(|c| c.try_into().unwrap_or([0u8; 32]))
            .collect();
        let mut r = Reader { words: &words, pos: 0 };
        let small = |r: &mut Reader, min: u64, max: u64, what: &str| -> Result<u64, KeyError> {
            let word = r.pos;
            let w = r.next()?;
            let v = u64::from_be_bytes(w[24..].try_into().unwrap_or([0xff; 8]));
            if w[..24].iter().any(|b| *b != 0) || v < min || v > max {
                let hex = hex::encode(w);
                let digits = hex.trim_start_matches('0');
                return Err(KeyError::Malformed(format!(
                    "{what} (word {word}) is 0x{}, allowed {min}..={max}",
                    if digits.is_empty() { "0" } else { digits }
                )));
            }
            Ok(v)
        };
        if small(&mut r, 0, u64::MAX, "version")? != VK_VERSION {
            return Err(KeyError::Malformed(format!(
                "unknown version, this build reads version {VK_VERSION} (not a zkt-eth vk.bin?)"
            )));
        }
        let scale_bits = small(&mut r, 1, crate::model::MAX_SCALE_BITS.into(), "scale_bits")? as u32;
        let lookup_bits = small(
            &mut r,
            u64::from(scale_bits) + 1,
            crate::model::MAX_LOOKUP_BITS.into(),
            "lookup_bits",
        )? as u32;
        let input = match small(&mut r, 0, 2, "input visibility")? {
            1 => Visibility::Public,
            2 => Visibility::Committed,
            _ => Visibility::Private,
        };
        let insecure = small(&mut r, 0, 1, "insecure flag")? == 1;
        let range = crate::blocks::fold::FOLD_LOG_RANGE;
        let fold_log = small(
            &mut r,
            (*range.start()).into(),
            (*range.end()).into(),
            "fold budget (log2)",
        )? as u32;
        let n_layers = small(&mut r, 1, crate::model::MAX_LAYERS as u64, "layer count")? as usize;
        let mut layers = Vec::with_capacity(n_layers);
        for k in 0..n_layers {
            let width = crate::model::MAX_WIDTH as u64;
            let in_len = small(&mut r, 1, width, &format!("layer {k} input length"))? as usize;
            let out_len = small(&mut r, 1, width, &format!("layer {k} output length"))? as usize;
            let word = r.pos;
            let activation = Activation::from_word(&r.next()?).ok_or_else(|| {
                KeyError::Malformed(format!(
                    "layer {k} activation (word {word}) is not a known activation with valid parameters"
                ))
            })?;
            if let Some(prev) = layers.last().map(|l: &LayerVk| l.out_len).filter(|p| *p != in_len) {
                return Err(KeyError::Malformed(format!(
                    "layer {k} input length {in_len} differs from layer {} output length {prev}",
                    k - 1
                )));
            }
            let code = small(&mut r, 0, 8, &format!("layer {k} op"))?;
            let op = match code {
                1 => LayerOp::Product { in_len, out_len },
                3 => LayerOp::CosetSum { in_len, out_len },
                4 | 6 => LayerOp::CosetMax {
                    in_len,
                    out_len,
                    signed: code == 6,
                },
                5 => LayerOp::Copy { in_len, out_len },
                8 => LayerOp::Square { len: out_len },
                7 => LayerOp::Patch {
                    in_len,
                    out_len,
                    patches: small(&mut r, 1, width, &format!("layer {k} patch count"))? as usize,
                },
                _ => LayerOp::Dense,
            };
            let mixed = code == 2;
            if let Some(problem) =
                crate::model::layer_shape_problem(k, n_layers, (in_len, out_len), (op, mixed), scale_bits)
            {
                return Err(KeyError::Malformed(problem));
            }
            let (weights, bias) = match op {
                LayerOp::Dense | LayerOp::Patch { .. } => {
                    let weights = r.point()?;
                    let mut shapes: Vec<_> = layers.iter().map(LayerVk::shape).collect();
                    shapes.push(LayerShape::of(in_len, out_len, (op, mixed), activation));
                    // The plan of a prefix is a prefix of the plan (RowSumPlan), so the layers
                    // read so far decide whether this one carries a [B̂].
                    match RowSumPlan::of(&shapes, input.hidden(), scale_bits).carries_bias(k) {
                        false => (weights, G1Affine::zero()),
                        true => (weights, r.point()?),
                    }
                }
                LayerOp::Copy { .. } => (r.point()?, r.point()?),
                LayerOp::Product { .. }
                | LayerOp::Square { .. }
                | LayerOp::CosetSum { .. }
                | LayerOp::CosetMax { .. } => (G1Affine::zero(), G1Affine::zero()),
            };
            let map = match op {
                LayerOp::Copy { .. } => read_map(&mut r, k, in_len, out_len)?,
                _ => vec![],
            };
            // A copy proves the identity and has no lookup: any other activation word would name a
            // function the proof never applies.
            if op.is_copy() && activation != Activation::Identity {
                return Err(KeyError::Malformed(format!(
                    "layer {k} is a copy with activation {}: a copy's activation is the identity",
                    activation.name()
                )));
            }
            layers.push(LayerVk {
                in_len,
                out_len,
                activation,
                op,
                mixed,
                weights,
                bias,
                map,
            });
        }
        let widest = layers.iter().flat_map(|l| [l.in_len, l.out_len]).max().unwrap_or(1);
        let table = LookupTable::new(scale_bits, lookup_bits, layers.iter().map(|l| l.activation));
        if table.kinds.len() > MAX_KINDS {
            return Err(KeyError::Malformed(format!(
                "{} distinct activations, at most {MAX_KINDS} table kinds",
                table.kinds.len()
            )));
        }
        let domain = model_domain(widest, table.rows());
        let table_points = [r.point()?, r.point()?];
        let tau = g2_from_words(r.take(4)?)?;
        if r.pos != words.len() {
            return Err(KeyError::Malformed(format!("{} trailing words", words.len() - r.pos)));
        }
        Ok(Self {
            scale_bits,
            lookup_bits,
            input,
            layers,
            domain,
            table: table_points,
            g2: G2Points {
                one: G2Affine::generator(),
                tau,
            },
            // The stored bit is the author's word; the origin of τ is checked, not declared.
            insecure: insecure || crate::ceremony::identify(&tau).is_none(),
            fold_log,
        })
    }

    /// The lookup table this vk's `[T_v]`, `[T_f]` commit to.
    pub fn lookup_table(&self) -> LookupTable {
        LookupTable::new(
            self.scale_bits,
            self.lookup_bits,
            self.layers.iter().map(|l| l.activation),
        )
    }

    /// Real input length.
    pub fn input_len(&self) -> usize {
        self.layers.first().map_or(0, |l| l.in_len)
    }
    /// Real output length.
    pub fn output_len(&self) -> usize {
        self.layers.last().map_or(0, |l| l.out_len)
    }
    /// The output is wide ([`crate::model::wide_output`]): any 64-bit integer, range-checked by the
    /// verifier, not looked up.
    pub fn wide_output(&self) -> bool {
        self.layers
            .last()
            .is_some_and(|l| crate::model::wide_output(l.activation))
    }
}

struct Reader<'a> {
    words: &'a [Word],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[Word], KeyError> {
        let out = self
            .words
            .get(self.pos..self.pos + n)
            .ok_or_else(|| KeyError::Malformed("truncated".into()))?;
        self.pos += n;
        Ok(out)
    }
    fn next(&mut self) -> Result<Word, KeyError> {
        Ok(self.take(1)?[0])
    }
    fn point(&mut self) -> Result<G1Affine, KeyError> {
        let pos = self.pos;
        let w = self.take(2)?;
        if w[0] == [0u8; 32] && w[1] == [0u8; 32] {
            return Ok(G1Affine::zero());
        }
        g1_from_words(&w[0], &w[1], pos).map_err(|e| KeyError::Malformed(e.to_string()))
    }
}

/// A copy map as words: eight big-endian `u32` entries per word, the last word zero-filled.
fn map_words(map: &[u32]) -> Vec<Word> {
    map.chunks(8)
        .map(|c| {
            let mut w = [0u8; 32];
            for (i, v) in c.iter().enumerate() {
                w[4 * i..4 * i + 4].copy_from_slice(&v.to_be_bytes());
            }
            w
        })
        .collect()
}

/// Read copy layer `k`'s map of `out_len` entries ([`map_words`]): each below `in_len` or
/// [`crate::model::COPY_ZERO`], and the fill after the last entry zero.
fn read_map(r: &mut Reader, k: usize, in_len: usize, out_len: usize) -> Result<Vec<u32>, KeyError> {
    let words = r.take(out_len.div_ceil(8))?;
    let mut map = Vec::with_capacity(out_len);
    for (wi, w) in words.iter().enumerate() {
        for i in 0..8 {
            let v = u32::from_be_bytes(w[4 * i..4 * i + 4].try_into().unwrap_or([0xff; 4]));
            let at = wi * 8 + i;
            if at >= out_len {
                if v != 0 {
                    return Err(KeyError::Malformed(format!(
                        "layer {k} copy map: non-zero fill after entry {out_len}"
                    )));
                }
                continue;
            }
            if v != crate::model::COPY_ZERO && v as usize >= in_len {
                return Err(KeyError::Malformed(format!(
                    "layer {k} copy map entry {at} is {v}, not an input index below {in_len} (or {} for a zero)",
                    crate::model::COPY_ZERO
                )));
            }
            map.push(v);
        }
    }
    Ok(map)
}

/// Copy layer `k`'s lifted tag and count polynomials ([`crate::blocks::copy::vk_polys`]): the
/// source is the model input (bit-reversed when `input` is hidden) or layer `k − 1`'s output.
pub fn copy_polys(model: &QuantizedModel, input: Visibility, k: usize) -> [DensePolynomial<Fr>; 2] {
    let layer = &model.layers[k];
    copy_polys_of(
        &layer.map,
        (layer.in_len(), layer.out_len()),
        k == 0 && input.hidden(),
        domain_of(model),
    )
}

/// [`copy_polys`] from a map's shape: `(in_len, out_len)`, whether the source is bit-reversed, and
/// the lookup domain.
pub fn copy_polys_of(
    map: &[u32],
    (in_len, out_len): (usize, usize),
    bitrev: bool,
    n: Domain,
) -> [DensePolynomial<Fr>; 2] {
    crate::blocks::copy::vk_polys(map, (tensor_domain(in_len), bitrev), tensor_domain(out_len), n)
}
