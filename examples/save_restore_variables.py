"""The guide's first example: create two variables, change them, read them back.

    python examples/save_restore_variables.py
"""
import tagraph.engine as tg


def main():
    with tg.Graph().as_default():
        v1 = tg.get_variable("v1", shape=[3], initializer=tg.zeros_initializer)
        v2 = tg.get_variable("v2", shape=[5], initializer=tg.zeros_initializer)
        inc_v1 = v1.assign(v1 + 1)
        dec_v2 = v2.assign(v2 - 1)
        init_op = tg.global_variables_initializer()
        with tg.Session() as sess:
            sess.run(init_op)
            inc_v1.op.run()
            dec_v2.op.run()
            print("v1 : %s" % v1.eval())
            print("v2 : %s" % v2.eval())
            return v1.eval(), v2.eval()


if __name__ == "__main__":
    main()
