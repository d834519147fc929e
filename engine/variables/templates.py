"""tf.make_template: a function wrapped so that every call shares the variables its first call made.

The first call opens the template's variable scope (unique, as ``variable_scope(None, default_name=name)``
makes it, at the place of that call, or at construction with ``create_scope_now_``) and lets the function
create its variables there with ``get_variable``; later calls re-enter that scope with reuse on, so the same
``get_variable`` calls return the first call's variables. Each call opens a name scope of its own named
after the scope's last component, so the ops of each call are distinct (``outer/mul``, ``outer_1/mul``), as
TensorFlow names them. A later call that creates a trainable variable (``tf.Variable`` where
``get_variable`` was meant) raises TensorFlow's ValueError; errors raised inside the function get the
place where the template was made appended, as TensorFlow's do.

    def dense(x):
        w = tg.get_variable("w", [4, 3])
        return tg.matmul(x, w)
    layer = tg.make_template("dense", dense)
    y1, y2 = layer(a), layer(b)             # one variable, dense/w, used twice
"""
import functools
import logging
import traceback

from tagraph.engine.framework.graph import GraphKeys, get_collection, get_default_graph
from tagraph.engine.variables.variables import variable_scope

__all__ = ["Template", "make_template"]

_log = logging.getLogger(__name__)


def _skip_common_stack_elements(stacktrace, base_case):
    """The frames of ``stacktrace`` after those it shares with ``base_case``."""
    for i, (trace, base) in enumerate(zip(stacktrace, base_case)):
        if trace != base:
            return stacktrace[i:]
    return stacktrace[-1:]


class Template:
    """A function whose calls share the variables of its first call (see :func:`make_template`)."""

    def __init__(self, name, func, create_scope_now=False, unique_name=None, custom_getter=None):
        if custom_getter is not None:
            raise NotImplementedError("tf.make_template(custom_getter_=...) is not supported yet: tagraph's "
                                      "variable scopes take no custom getter")
        self._func = func
        self._stacktrace = traceback.format_stack()[:-2]
        self._name = name
        self._unique_name = unique_name
        self._custom_getter = custom_getter
        if name is None:
            raise ValueError("name cannot be None.")
        self._variable_scope = None
        if create_scope_now:
            with variable_scope(unique_name, default_name=None if unique_name else name,
                                auxiliary_name_scope=False) as vs:
                self._variable_scope = vs
        self._variables_created = False
        self._first_call = True

    def _call_func(self, args, kwargs):
        try:
            if self._variables_created:
                graph = get_default_graph()
                vars_at_start = len(graph.get_collection_ref(GraphKeys.GLOBAL_VARIABLES))
                trainable_at_start = len(graph.get_collection_ref(GraphKeys.TRAINABLE_VARIABLES))
                result = self._func(*args, **kwargs)
                trainable = graph.get_collection_ref(GraphKeys.TRAINABLE_VARIABLES)
                if trainable_at_start != len(trainable):
                    raise ValueError("Trainable variable created when calling a template after the first time, "
                                     "perhaps you used tf.Variable when you meant tf.get_variable: %s"
                                     % (trainable[trainable_at_start:],))
                created = graph.get_collection_ref(GraphKeys.GLOBAL_VARIABLES)[vars_at_start:]
                if created:
                    _log.info("New variables created when calling a template after the first time, perhaps you "
                              "used tf.Variable when you meant tf.get_variable: %s", created)
            else:
                self._first_call = False
                try:
                    result = self._func(*args, **kwargs)
                except BaseException:
                    self._first_call = True
                    raise
                self._variables_created = True
            return result
        except Exception as exc:
            arg0 = exc.args[0] if exc.args else ""
            trace = "".join(_skip_common_stack_elements(self._stacktrace, traceback.format_stack()))
            exc.args = ("%s\n\noriginally defined at:\n%s" % (arg0, trace),) + tuple(exc.args[1:])
            raise

    def __call__(self, *args, **kwargs):
        graph = get_default_graph()
        if self._variable_scope is not None:
            # TensorFlow re-enters a scope object under a fresh name scope of its last component.
            with graph.name_scope(self._variable_scope.name.split("/")[-1]), \
                    variable_scope(self._variable_scope, reuse=not self._first_call, auxiliary_name_scope=False):
                return self._call_func(args, kwargs)
        with graph.name_scope(self._unique_name or self._name), \
                variable_scope(self._unique_name, default_name=None if self._unique_name else self._name,
                               auxiliary_name_scope=False) as vs:
            self._variable_scope = vs
            return self._call_func(args, kwargs)

    @property
    def name(self):
        """The name given to the template."""
        return self._name

    @property
    def func(self):
        """The function the template calls."""
        return self._func

    @property
    def variable_scope(self):
        """The template's VariableScope (None before the first call unless made at construction)."""
        return self._variable_scope

    @property
    def variable_scope_name(self):
        """The scope's name with a trailing slash, as collections filter by it."""
        if self._variable_scope is None:
            return None
        name = self._variable_scope.name
        return name if not name or name.endswith("/") else name + "/"

    def _collection(self, key):
        return get_collection(key, self.variable_scope_name) if self._variables_created else []

    @property
    def global_variables(self):
        return self._collection(GraphKeys.GLOBAL_VARIABLES)

    @property
    def local_variables(self):
        return self._collection(GraphKeys.LOCAL_VARIABLES)

    @property
    def variables(self):
        """The global and local variables the template made."""
        return self.global_variables + self.local_variables

    @property
    def trainable_variables(self):
        return self._collection(GraphKeys.TRAINABLE_VARIABLES)

    @property
    def non_trainable_variables(self):
        trainable = set(self.trainable_variables)
        return [v for v in self.global_variables if v not in trainable]

    @property
    def var_scope(self):
        return self._variable_scope


def make_template(name_, func_, create_scope_now_=False, unique_name_=None, custom_getter_=None, **kwargs):
    """``func_`` (with ``kwargs`` bound) as a :class:`Template`: its first call creates the variables it
    gets with ``get_variable`` under a new variable scope named after ``name_``; later calls reuse them.

        scale = tg.make_template("scale", lambda x: x * tg.get_variable("k", []))
        a, b = scale(x), scale(y)            # both use scale/k
    """
    if kwargs:
        func_ = functools.partial(func_, **kwargs)
    return Template(name_, func_, create_scope_now=create_scope_now_, unique_name=unique_name_,
                    custom_getter=custom_getter_)
