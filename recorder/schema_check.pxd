# Types for the compiled build of schema_check.py (Cython, pure-Python mode; see setup.py):
# the walk's dicts and lists are read with C calls.
cimport cython

cdef object _INCREMENTAL, _MUTATION, _ABSENT
cdef frozenset _NODE_TYPES
cdef Py_ssize_t MAX_WALK_DEPTH
cdef int _INT, _OPT_INT, _OPT_STR, _OPT_BOOL, _NODE_TYPE, _ATTRS, _OPT_ATTRS, _NODE, _OPT_NODES
cdef int _TEXT_LIST, _ATTRIBUTE_LIST, _REMOVE_LIST, _ADD_LIST
cdef tuple _MUTATION_SHAPE, _TEXT_SHAPE, _ATTRIBUTE_SHAPE, _REMOVE_SHAPE, _ADD_SHAPE
cdef tuple _NODE_SHAPE


@cython.locals(event=dict, d=dict)
cpdef bint _fits(object raw) except -1
@cython.locals(spec=dict, need=Py_ssize_t, required=Py_ssize_t, code=int, req=bint)
cdef bint _fields(dict item, tuple shape, Py_ssize_t depth) except -1
@cython.locals(kids=list, items=list)
cdef bint _value_fits(object x, int code, Py_ssize_t depth) except -1
@cython.locals(n=Py_ssize_t)
cdef bint _item(dict item, int code) except -1
@cython.locals(attrs=dict)
cdef bint _attr_map(object x) except -1
@cython.locals(node=dict, found=Py_ssize_t)
cdef bint _node(object x, Py_ssize_t depth) except -1
