"""SavedModel file and collection names, with TensorFlow's values (``tf.saved_model.constants``).

    os.path.join(export_dir, constants.SAVED_MODEL_FILENAME_PB)   # .../saved_model.pb
"""

__all__ = ["SAVED_MODEL_SCHEMA_VERSION", "ASSETS_DIRECTORY", "EXTRA_ASSETS_DIRECTORY", "VARIABLES_DIRECTORY",
           "VARIABLES_FILENAME", "DEBUG_DIRECTORY", "DEBUG_INFO_FILENAME_PB", "SAVED_MODEL_FILENAME_PB",
           "SAVED_MODEL_FILENAME_PBTXT", "SAVED_MODEL_FILENAME_CPB", "FINGERPRINT_FILENAME", "ASSETS_KEY",
           "MAIN_OP_KEY", "LEGACY_INIT_OP_KEY", "TRAIN_OP_KEY", "INIT_OP_SIGNATURE_KEY", "TRAIN_OP_SIGNATURE_KEY"]

# The SavedModel proto's schema version.
SAVED_MODEL_SCHEMA_VERSION = 1

ASSETS_DIRECTORY = "assets"
EXTRA_ASSETS_DIRECTORY = "assets.extra"
VARIABLES_DIRECTORY = "variables"
VARIABLES_FILENAME = "variables"
DEBUG_DIRECTORY = "debug"
DEBUG_INFO_FILENAME_PB = "saved_model_debug_info.pb"

SAVED_MODEL_FILENAME_PB = "saved_model.pb"
SAVED_MODEL_FILENAME_PBTXT = "saved_model.pbtxt"
SAVED_MODEL_FILENAME_CPB = "saved_model.cpb"
FINGERPRINT_FILENAME = "fingerprint.pb"

# Collection keys a TensorFlow 1 SavedModelBuilder writes.
ASSETS_KEY = "saved_model_assets"
MAIN_OP_KEY = "saved_model_main_op"
LEGACY_INIT_OP_KEY = "legacy_init_op"
TRAIN_OP_KEY = "saved_model_train_op"

# Reserved SignatureDef keys (TensorFlow 2's builder records the init and train ops this way).
INIT_OP_SIGNATURE_KEY = "__saved_model_init_op"
TRAIN_OP_SIGNATURE_KEY = "__saved_model_train_op"
