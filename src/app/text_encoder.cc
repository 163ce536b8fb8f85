#include "app/text_encoder.h"

#include "app/model_locator.h"

namespace qimg {

Result<std::shared_ptr<const TextEncoder>> LoadTextEncoder(const Config& config) {
  // Where the model would be comes first, so a missing model names its install command.
  QIMG_ASSIGN_OR_RETURN(std::string dir, LocateModel(config, config.embed.text_model, ModelKind::kText));
  return Status::Unavailable("text model " + dir +
                             " is installed, but this build has no BERT/XLM-R text encoder yet "
                             "(the OCR vector channel is skipped; OCR words still match lexically)");
}

}  // namespace qimg
