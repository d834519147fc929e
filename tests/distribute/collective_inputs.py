"""What each rank of job_collectives.py contributes, shared with the test that checks the results."""
import numpy as np


def inputs(rank):
    """What rank ``rank`` contributes to each collective."""
    r = rank + 1
    return {
        "f32": (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) * r,
        "f64": np.linspace(-1, 1, 5) * r ** 2,
        "f16": (np.arange(4, dtype=np.float16) + 0.5) * r,
        "i32": np.array([7, -7, 3, -3], np.int32) * r,
        "i64": np.array([[1, -5]], np.int64) * (10 ** r),
        "rows": np.full((r, 2), r, np.float32),                 # r rows: the first dimension differs
        "bools": np.array([r % 2 == 0, True, False]),
        "scalar": np.float64(r * 1.5),
    }
