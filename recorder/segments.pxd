# Types for the compiled build of segments.py (Cython, pure-Python mode; see setup.py):
# the column packer's loops are most of the CPU of writing a real recording's segments.
# segments.py stays the source, and runs as it is where nothing was compiled.
import cython


cdef bint _all_str(tuple keys)

@cython.locals(pos=Py_ssize_t)
cdef _item_values(dict item, tuple shape, list out)

@cython.locals(pos=Py_ssize_t)
cdef bint _as_shape(dict item, tuple shape, list out) except -1

@cython.locals(table=list, lookup=dict, cols=list, kinds=list, dts=list, raw=list,
               last=dict, keys=tuple, mode=cython.int, pointer=cython.bint, tr=_Trees)
cpdef dict _pack_columns(object events, bint trees=*)

cpdef bint _pointer_ok(object pos)


cdef class _Trees:
    cdef public list streams
    cdef dict _strs
    cdef dict _shapes
    cdef Py_ssize_t _text_shape
    cdef list _last
    cdef object _mark

    cpdef Py_ssize_t _str(self, object v) except -1
    @cython.locals(st=list)
    cpdef int add(self, object t, tuple keys, dict d) except -1
    cpdef undo(self)

    @cython.locals(st=list, last=list, items=list, item=dict, attrs=dict, ids=list, vals=list,
                   ak=list, aname=list, aval=list, pids=list, nexts=list, roots=list, strs=dict,
                   shape=tuple, got=list)
    cdef _mutation(self, tuple keys, dict d)

    @cython.locals(st=list, last=list, shape_s=list, nid=list, ntag=list, nk=list, nname=list,
                   nval=list, ntext=list, nkids=list, nother=list, shapes=dict, strs=dict,
                   stack=list, node=dict, attrs=dict, keys=tuple, text_shape=tuple, got=list)
    cdef _nodes(self, list roots)
