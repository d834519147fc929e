"""The guide's "Inspect variables in a checkpoint": print_tensors_in_checkpoint_file, and the same as a tool.

    python examples/inspect_checkpoint.py [DIR]

Continues from save_restore_variables.py (DIR/model.ckpt is written first if it is not there). The
library function prints what TensorFlow's prints; ``tagraph-inspect-checkpoint`` is its command line,
with TensorFlow's flags (``--file_name``, ``--tensor_name``, ``--all_tensors``, ``--all_tensor_names``).
"""
import os
import subprocess
import sys

# import the inspect_checkpoint library
from tagraph.serialization import inspect_checkpoint as chkp
from tagraph.serialization import load_checkpoint

from _guide import section, shell, workdir
from save_restore_variables import ensure_checkpoint


def main(argv=None):
    directory = workdir(argv)
    ckpt = ensure_checkpoint(directory)

    section("print all tensors in checkpoint file")
    chkp.print_tensors_in_checkpoint_file(ckpt, tensor_name="", all_tensors=True)

    section("print only tensor v1 in checkpoint file")
    chkp.print_tensors_in_checkpoint_file(ckpt, tensor_name="v1", all_tensors=False)

    section("print only tensor v2 in checkpoint file")
    chkp.print_tensors_in_checkpoint_file(ckpt, tensor_name="v2", all_tensors=False)

    section("names, dtypes and shapes only (no tensor_name)")
    chkp.print_tensors_in_checkpoint_file(ckpt, tensor_name="", all_tensors=False)

    section("a reader, for programs")
    reader = load_checkpoint(directory)          # a folder means its latest checkpoint
    print("variable_to_shape_map: %s" % sorted(reader.get_variable_to_shape_map().items()))
    print("get_tensor('v2'): %s" % reader.get_tensor("v2"))

    section("the same from the command line")
    cmd = [os.path.join(os.path.dirname(sys.executable), "tagraph-inspect-checkpoint")]
    if not os.path.exists(cmd[0]):
        cmd = [sys.executable, "-m", "tagraph.serialization.inspect_checkpoint"]
    args = ["--file_name=%s" % ckpt, "--tensor_name=v1"]
    shell(["tagraph-inspect-checkpoint"] + args)
    sys.stdout.flush()
    subprocess.run(cmd + args, check=True)


if __name__ == "__main__":
    main()
