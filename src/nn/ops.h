// Tensor operations of the transformer blocks other than the linear layers. Activations are
// row-major [rows, features] float arrays; every op is parallel over rows or (batch, head).
#pragma once

#include <cstdint>

#include "base/status.h"

namespace qimg::nn {

// y = (x - mean) / sqrt(var + eps) * gamma + beta per row (biased variance). y may alias x.
void LayerNorm(const float* x, int64_t rows, int dim, const float* gamma, const float* beta,
               float eps, float* y);

// im2col for a ViT patch embedding: `batch` CHW images of channels x image_size x image_size
// -> one row per patch (the g x g grid row-major, g = image_size / patch), each the patch's
// (channel, y, x) block in the conv weight's flattening order. Writes batch * g * g rows of
// channels * patch * patch floats to out.
void ImageToPatchRows(const float* pixels, int batch, int channels, int image_size, int patch,
                      float* out);

// Multi-head scaled dot-product attention. qkv is [batch * seq, 3 * hidden] with q, k and v in
// column blocks [0, hidden), [hidden, 2 hidden), [2 hidden, 3 hidden); head h uses columns
// [h * head_dim, (h + 1) * head_dim) of each block. Scores are scaled by head_dim^-0.5; with
// `causal`, query i sees keys 0..i. With `key_lengths` (one per batch row, right padding), every
// query of row b sees only keys [0, key_lengths[b]) (BERT's attention mask; padded query rows are
// still computed, as transformers does). Writes the concatenated heads to out [batch * seq, hidden].
Status Attention(const float* qkv, int batch, int seq, int heads, int head_dim, bool causal,
                 float* out, const int* key_lengths = nullptr);

// One sequence of a ragged causal batch (PrefixCausalAttention): its own `length` positions are
// rows [row, row + length) of qkv and out, and they continue `prefix_length` earlier positions
// whose keys and values are `prefix_kv` ([prefix_length, 2 * hidden]: keys in columns
// [0, hidden), values in [hidden, 2 hidden); nullptr when prefix_length is 0).
struct CausalSpan {
  int64_t row = 0;
  int length = 0;
  const float* prefix_kv = nullptr;
  int prefix_length = 0;
};

// Causal attention over a ragged batch of sequences packed without padding (qkv [rows,
// 3 * hidden] laid out as for Attention). Own query i of a span sees the prefix's keys and its
// own keys 0..i, so a prefix's keys/values computed once give the same result as running the
// prefix again with every sequence (the causal mask makes them independent of what follows).
// Writes out [rows, hidden] for the spans' rows.
Status PrefixCausalAttention(const float* qkv, const CausalSpan* spans, int count, int heads,
                             int head_dim, float* out);

}  // namespace qimg::nn
