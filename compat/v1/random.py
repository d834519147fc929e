"""``tf.random``: TensorFlow 1's random ops under their ``tf.random`` names.

    w = tf.Variable(tf.random.normal([784, 10], stddev=0.1))
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

normal = _tg.random_normal
uniform = _tg.random_uniform
truncated_normal = _tg.truncated_normal
set_random_seed = _tg.set_random_seed
shuffle = _tg.random_shuffle
gamma = _tg.random_gamma
categorical = _tg.categorical
multinomial = _tg.multinomial
get_seed = _tg.get_seed
uniform_candidate_sampler = _tg.nn.uniform_candidate_sampler
log_uniform_candidate_sampler = _tg.nn.log_uniform_candidate_sampler
all_candidate_sampler = _tg.nn.all_candidate_sampler
fixed_unigram_candidate_sampler = _tg.nn.fixed_unigram_candidate_sampler

_namespace.install(globals(), "tf.random")
