# Skip-gram word2vec as TensorFlow 1's tutorial trains it: embeddings looked up for centre words, NCE loss
# over log-uniform sampled negatives, SGD; then a sampled-softmax variant and cosine nearest neighbours.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()
tf.set_random_seed(1234)

vocabulary_size, embedding_size, batch_size, num_sampled = 40, 8, 16, 6
rng = np.random.RandomState(3)
# A Zipf-like corpus: small ids (frequent words) come most often, as the sampler assumes.
corpus = np.minimum(rng.zipf(1.3, size=400) - 1, vocabulary_size - 1).astype(np.int64)
centres, contexts = corpus[:-1], corpus[1:]

train_inputs = tf.placeholder(tf.int32, shape=[batch_size])
train_labels = tf.placeholder(tf.int64, shape=[batch_size, 1])
embeddings = tf.Variable(tf.random_uniform([vocabulary_size, embedding_size], -1.0, 1.0))
embed = tf.nn.embedding_lookup(embeddings, train_inputs)
nce_weights = tf.Variable(tf.truncated_normal([vocabulary_size, embedding_size],
                                              stddev=1.0 / np.sqrt(embedding_size)))
nce_biases = tf.Variable(tf.zeros([vocabulary_size]))
loss = tf.reduce_mean(tf.nn.nce_loss(weights=nce_weights, biases=nce_biases, labels=train_labels,
                                     inputs=embed, num_sampled=num_sampled, num_classes=vocabulary_size))
optimizer = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
softmax_loss = tf.reduce_mean(tf.nn.sampled_softmax_loss(
    weights=nce_weights, biases=nce_biases, labels=train_labels, inputs=embed, num_sampled=num_sampled,
    num_classes=vocabulary_size))
sampled = tf.nn.log_uniform_candidate_sampler(train_labels, 1, num_sampled, True, vocabulary_size)

norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keepdims=True))
normalized = embeddings / norm
similarity = tf.matmul(tf.nn.embedding_lookup(normalized, tf.constant([0, 1, 2])), normalized, transpose_b=True)

losses = []
with tf.Session() as sess:
    tf.global_variables_initializer().run()
    for step in range(12):
        start = (step * batch_size) % (len(centres) - batch_size)
        feed = {train_inputs: centres[start:start + batch_size],
                train_labels: contexts[start:start + batch_size, None]}
        _, value = sess.run([optimizer, loss], feed)
        losses.append(value)
    candidates, true_expected, sampled_expected = sess.run(sampled, feed)
    results = {
        "losses": np.array(losses),
        "softmax_loss": sess.run(softmax_loss, feed),
        "candidates": candidates,
        "true_expected": true_expected,
        "sampled_expected": sampled_expected,
        "nearest": np.argsort(-sess.run(similarity), axis=1)[:, 1:4],
        "embeddings": sess.run(embeddings),
    }
