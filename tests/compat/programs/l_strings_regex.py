# tf.strings: regex_replace, regex_full_match, substr, join, reduce_join, length, format, as_string, to_number.
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

text = tf.constant(["Hello, World!", "tagged: 42 items", "  spaces  ", "ünïcode"])
numbers = tf.constant(["3.5", "-2", "1e3"])

with tf.Session() as sess:
    results = {
        "replace": sess.run(tf.strings.regex_replace(text, r"[aeiou]", "_")),
        "replace_first": sess.run(tf.regex_replace(text, r"\s+", " ", replace_global=False)),
        "digits": sess.run(tf.strings.regex_replace(text, r"(\d+)", r"<\1>")),
        "full_match": sess.run(tf.strings.regex_full_match(text, r".*\d.*")),
        "substr": sess.run(tf.strings.substr(text, 1, 4)),
        "substr_utf8": sess.run(tf.strings.substr(text, 0, 3, unit="UTF8_CHAR")),
        "length": sess.run(tf.strings.length(text)),
        "length_utf8": sess.run(tf.strings.length(text, unit="UTF8_CHAR")),
        "join": sess.run(tf.strings.join([text, tf.constant("!")], separator="|")),
        "reduce_join": sess.run(tf.strings.reduce_join(text, separator="/")),
        "upper": sess.run(tf.strings.upper(text)),
        "strip": sess.run(tf.strings.strip(text)),
        "as_string": sess.run(tf.as_string(tf.constant([1.5, 2.25]), precision=2)),
        "int_string": sess.run(tf.as_string(tf.constant([7, -12]), width=4, fill="0")),
        "to_number": sess.run(tf.strings.to_number(numbers)),
        "to_int": sess.run(tf.string_to_number(tf.constant(["12", "-7"]), out_type=tf.int64)),
        "format": sess.run(tf.strings.format("x={} y={}", (tf.constant(3), tf.constant([1.5, 2.0])))),
        "split": sess.run(tf.strings.split(tf.constant(["a,b,,c"]), sep=",").values),
        "encode_base64": sess.run(tf.encode_base64(tf.constant(["graphs?", "ab"]))),
    }
