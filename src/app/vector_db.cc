#include "app/vector_db.h"

#include <cstring>

#include "base/time_util.h"
#include "index/vector_label.h"

namespace qimg {

std::string VectorToBlob(const float* v, int dim) {
  std::string b(static_cast<size_t>(dim) * 4, '\0');
  std::memcpy(b.data(), v, b.size());  // little-endian hosts
  return b;
}

std::optional<std::vector<float>> BlobToVector(const std::string& blob, int expected_dim) {
  if (blob.empty() || blob.size() % 4 != 0) return std::nullopt;
  if (expected_dim > 0 && blob.size() != static_cast<size_t>(expected_dim) * 4) return std::nullopt;
  std::vector<float> v(blob.size() / 4);
  std::memcpy(v.data(), blob.data(), blob.size());
  return v;
}

Status UpsertVector(Database* db, const std::string& asset_id, const std::string& model_id,
                    const float* v, int dim, const std::string& input_hash) {
  // ON CONFLICT DO UPDATE (not INSERT OR REPLACE) so the update trigger logs the change.
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "INSERT INTO vectors(asset_id, model_id, embedding, updated_at, input_hash) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(asset_id, model_id) DO UPDATE SET "
      "embedding = excluded.embedding, updated_at = excluded.updated_at, "
      "input_hash = excluded.input_hash"));
  std::string blob = VectorToBlob(v, dim);
  st.Bind(1, asset_id).Bind(2, model_id).BindBlob(3, blob.data(), blob.size()).Bind(4, NowIso())
      .Bind(5, input_hash);
  return st.Run();
}

Result<std::optional<std::vector<float>>> LoadVector(Database* db, const std::string& asset_id,
                                                     const std::string& model_id) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT embedding FROM vectors WHERE asset_id = ?1 AND model_id = ?2"));
  st.Bind(1, asset_id).Bind(2, model_id);
  QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::vector<float>>();
  return BlobToVector(st.ColumnBlob(0), 0);
}

Result<int64_t> VectorGeneration(Database* db, const std::string& model_id) {
  // Pruning deletes the log entries an index file reflects, often all of them: the generation
  // must not fall back to 0 then, or every new process would find the file "newer than the
  // database" and rebuild it (minutes for an HNSW graph of 100k vectors). Sequence numbers are
  // AUTOINCREMENT, never reused, so later changes still compare greater.
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT MAX(COALESCE((SELECT MAX(seq) FROM vector_changes WHERE model_id = ?1), 0), "
      "COALESCE((SELECT pruned_through FROM vector_log_state WHERE model_id = ?1), 0))"));
  st.Bind(1, model_id);
  QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.ColumnInt(0) : 0;
}

Result<int64_t> VectorLogPrunedThrough(Database* db, const std::string& model_id) {
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT pruned_through FROM vector_log_state WHERE model_id = ?1"));
  st.Bind(1, model_id);
  QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.ColumnInt(0) : 0;
}

Status PruneVectorLog(Database* db, const std::string& model_id, int64_t generation) {
  Transaction tx(db);
  QIMG_RETURN_IF_ERROR(tx.begin_status());
  QIMG_ASSIGN_OR_RETURN(Statement del, db->Prepare(
      "DELETE FROM vector_changes WHERE model_id = ?1 AND seq <= ?2"));
  del.Bind(1, model_id).Bind(2, generation);
  QIMG_RETURN_IF_ERROR(del.Run());
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "INSERT INTO vector_log_state(model_id, pruned_through) VALUES (?1, ?2) "
      "ON CONFLICT(model_id) DO UPDATE SET pruned_through = "
      "MAX(pruned_through, excluded.pruned_through)"));
  st.Bind(1, model_id).Bind(2, generation);
  QIMG_RETURN_IF_ERROR(st.Run());
  return tx.Commit();
}

Result<VectorRows> LoadAllVectors(Database* db, const std::string& model_id, int dim) {
  VectorRows out;
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT asset_id, embedding FROM vectors WHERE model_id = ?1 ORDER BY asset_id"));
  st.Bind(1, model_id);
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    auto label = AssetIdToLabel(st.ColumnText(0));
    auto v = BlobToVector(st.ColumnBlob(1), dim);
    if (!label || !v) {
      ++out.skipped;
      continue;
    }
    out.labels.push_back(*label);
    out.rows.insert(out.rows.end(), v->begin(), v->end());
  }
  return out;
}

Result<std::vector<VectorChange>> LoadVectorChanges(Database* db, const std::string& model_id,
                                                    int dim, int64_t after, int64_t through) {
  std::vector<VectorChange> out;
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT c.asset_id, v.embedding FROM "
      "(SELECT DISTINCT asset_id FROM vector_changes WHERE model_id = ?1 AND seq > ?2 "
      "AND seq <= ?3) c LEFT JOIN vectors v ON v.asset_id = c.asset_id AND v.model_id = ?1 "
      "ORDER BY c.asset_id"));
  st.Bind(1, model_id).Bind(2, after).Bind(3, through);
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    auto label = AssetIdToLabel(st.ColumnText(0));
    if (!label) continue;
    VectorChange c;
    c.label = *label;
    // A vector of another dimension cannot be in this index: treated as absent.
    if (!st.IsNull(1)) {
      if (auto v = BlobToVector(st.ColumnBlob(1), dim)) c.vector = std::move(*v);
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<StoredModel>> ListStoredModels(Database* db) {
  std::vector<StoredModel> out;
  QIMG_ASSIGN_OR_RETURN(Statement st, db->Prepare(
      "SELECT model_id, COUNT(*), MIN(LENGTH(embedding)) FROM vectors GROUP BY model_id "
      "ORDER BY COUNT(*) DESC, model_id"));
  for (;;) {
    QIMG_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.ColumnText(0), static_cast<int>(st.ColumnInt(2) / 4), st.ColumnInt(1)});
  }
  return out;
}

}  // namespace qimg
