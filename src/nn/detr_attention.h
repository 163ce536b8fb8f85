// DETR's multi-head attention (transformers' DetrAttention): position embeddings are added to the
// query and key inputs but never to the values, q is scaled by head_dim^-0.5 after its bias, and
// keys on image padding are excluded from the softmax. Used for the encoder's self-attention and
// the decoder's self- and cross-attention.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "nn/linear.h"
#include "nn/safetensors.h"

namespace qimg::nn {

class DetrAttention {
 public:
  // Reads "<prefix>.{q,k,v,out}_proj.{weight,bias}" ([d, d] and [d]).
  static Result<DetrAttention> Load(const SafetensorsFile& f, const std::string& prefix, int d,
                                    int heads);

  // For each of `batch` items: queries from q_in + q_pos ([q_len, d]), keys from kv_in + k_pos
  // and values from kv_in ([kv_len, d]); key_mask ([kv_len], nonzero = real pixel) may be null.
  // q_pos / k_pos may be null (no position) and are shared by every item when the *_pos_shared
  // flag is set (the decoder's query embeddings, [q_len or kv_len, d]). Writes out_proj(attention)
  // to out [batch * q_len, d]; out must not alias the inputs.
  struct Inputs {
    const float* q_in = nullptr;
    const float* q_pos = nullptr;
    bool q_pos_shared = false;
    int q_len = 0;
    const float* kv_in = nullptr;
    const float* k_pos = nullptr;
    bool k_pos_shared = false;
    int kv_len = 0;
    const uint8_t* key_mask = nullptr;  // [batch, kv_len]
  };
  Status Forward(const Inputs& in, int batch, float* out) const;

 private:
  int d_ = 0;
  int heads_ = 0;
  Linear q_, k_, v_, out_;
};

}  // namespace qimg::nn
