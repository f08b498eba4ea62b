# Types for the compiled build of schema_check.py (Cython, pure-Python mode; see setup.py):
# the walk's dicts and lists are read with C calls.
cimport cython

cdef object _INCREMENTAL, _MUTATION, _ABSENT
cdef frozenset _NODE_TYPES
cdef Py_ssize_t MAX_WALK_DEPTH


@cython.locals(event=dict, d=dict)
cpdef bint _fits(object raw) except -1
@cython.locals(items=list, item=dict, has_id=bint, has_value=bint)
cdef bint _texts(object v) except -1
@cython.locals(items=list, item=dict, has_id=bint, has_attrs=bint)
cdef bint _attribute_changes(object v) except -1
@cython.locals(attrs=dict)
cdef bint _attr_map(object x) except -1
@cython.locals(items=list, item=dict, has_parent=bint, has_id=bint)
cdef bint _removes(object v) except -1
@cython.locals(items=list, item=dict, has_parent=bint, has_node=bint)
cdef bint _adds(object v) except -1
@cython.locals(node=dict, kids=list, found=Py_ssize_t)
cdef bint _node(object x, Py_ssize_t depth) except -1
@cython.locals(has_type=bint, has_id=bint)
cdef bint _node_keys(dict node, Py_ssize_t depth) except -1
