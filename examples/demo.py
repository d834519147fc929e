"""`make demo`: the main job of tagraph, end to end, as far as it has landed.

    python examples/demo.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def step(title):
    print("\n== %s" % title, flush=True)


def main():
    step("The guide's first example: variables, assign, a session")
    import save_restore_variables
    save_restore_variables.main()


if __name__ == "__main__":
    main()
