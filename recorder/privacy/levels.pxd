# Types for the compiled core (see setup.py and recorder/mirror.pxd).
cimport cython

from recorder.mirror cimport Mirror, Node


cdef class PrivacyLevels:
    cdef public Mirror mirror
    cdef public object rules, default, index, watched_attrs, classes, _class_hint, ids
    cdef public object structural, uses_empty, editables, quirks, quirks_index
    cdef public object reads_class, reads_id
    cdef public long gen

    cpdef invalidate(self)
    @cython.locals(nodes=dict, gen=long, n=Node, x=Node, y=Node, stack=list)
    cpdef invalidate_subtree(self, object nid)
    cpdef bint changes_level(self, Node n, object new_attrs) except -1
    cpdef bint _changes_level_folded(self, Node n, object new_attrs) except -1
    @cython.locals(nodes=dict, x=Node)
    cpdef bint in_quirks_document(self, Node n) except -1
    cpdef explicit(self, Node n)
    cpdef _met_quirks(self)
    @cython.locals(gen=long, nodes=dict, chain=list, x=Node)
    cpdef level_of(self, Node n)
    @cython.locals(nodes=dict, x=Node)
    cpdef bint in_editable(self, Node n) except -1
    @cython.locals(p=Node)
    cpdef bint beneath_hidden(self, Node n) except -1
