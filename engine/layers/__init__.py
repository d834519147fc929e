"""``tg.layers``: TensorFlow 1's ``tf.layers``, its functional layers and their classes, with its variable and
op names, so that checkpoints move between TensorFlow and tagraph both ways.

    h = tg.layers.conv2d(images, 32, 5, padding="same", activation=tg.nn.relu)   # conv2d/kernel, conv2d/bias
    h = tg.layers.max_pooling2d(h, 2, 2)
    h = tg.layers.batch_normalization(h, training=is_training)                  # moving averages: UPDATE_OPS
    logits = tg.layers.dense(tg.layers.flatten(h), 10)                          # dense/kernel, dense/bias

base           Layer (TensorFlow 1's variable scoping and naming), InputSpec
core           dense, dropout, flatten
convolutional  conv1d/2d/3d, conv2d_transpose, separable_conv1d/2d
pooling        max_pooling1d/2d, average_pooling1d/2d
normalization  batch_normalization
rnn_cell, rnn  TensorFlow 1's recurrent cells and RNNs, served as tg.nn.rnn_cell and tg.nn.dynamic_rnn, ...
"""
from tagraph.engine.layers.base import InputSpec, Layer
from tagraph.engine.layers.convolutional import (Conv1D, Conv2D, Conv2DTranspose, Conv3D, SeparableConv1D,
                                                 SeparableConv2D, conv1d, conv2d, conv2d_transpose, conv3d,
                                                 separable_conv1d, separable_conv2d)
from tagraph.engine.layers.core import Dense, Dropout, Flatten, dense, dropout, flatten
from tagraph.engine.layers.normalization import BatchNormalization, batch_normalization
from tagraph.engine.layers.pooling import (AveragePooling1D, AveragePooling2D, MaxPooling1D, MaxPooling2D,
                                           average_pooling1d, average_pooling2d, max_pooling1d, max_pooling2d)

__all__ = ["Layer", "InputSpec", "Dense", "dense", "Dropout", "dropout", "Flatten", "flatten", "Conv1D", "conv1d",
           "Conv2D", "conv2d", "Conv3D", "conv3d", "Conv2DTranspose", "conv2d_transpose", "SeparableConv1D",
           "separable_conv1d", "SeparableConv2D", "separable_conv2d", "MaxPooling1D", "max_pooling1d",
           "MaxPooling2D", "max_pooling2d", "AveragePooling1D", "average_pooling1d", "AveragePooling2D",
           "average_pooling2d", "BatchNormalization", "batch_normalization"]
