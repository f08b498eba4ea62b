# Types for the compiled core (Cython, pure Python mode): mirror.py compiled with these
# declarations is the same module, with typed fields and C calls in the hot loops. Without
# a build, mirror.py runs as plain Python. See setup.py.
cimport cython

cdef extern from *:
    """
    static CYTHON_INLINE void replay_gc_untrack(PyObject *o) { PyObject_GC_UnTrack(o); }
    """
    void _gc_untrack "replay_gc_untrack"(object o)


cdef class Node:
    cdef public object id, type, tag, text, parent
    cdef public dict attrs
    cdef public list children
    cdef public object svg, is_style
    cdef public object value, checked, scroll, media, sheet, extra
    # the privacy pass's cache: its level, valid while `mark_gen` is its generation
    cdef public object mark
    cdef public long mark_gen


cdef class Mirror:
    cdef public dict nodes
    cdef public object root, href, width, height, window_scroll, selection, focus
    cdef public object focus_visible, _pointer_down, _pointer_click_at
    cdef public list fonts
    cdef public dict canvas, adopted, adopted_by
    cdef public object warnings
    cdef public object has_snapshot
    cdef public object not_recorded

    @cython.locals(nodes=dict, top=Node, n=Node, pn=Node, stack=list)
    cpdef Node _build(self, dict sn, object parent)
    @cython.locals(n=Node)
    cpdef _detach(self, object nid)
    @cython.locals(nodes=dict, pn=Node, x=Node, stack=list)
    cpdef _unlink(self, Node n)
    @cython.locals(nodes=dict, n=Node, pn=Node)
    cpdef apply_mutation(self, dict data)
    @cython.locals(nodes=dict, first=bint, tried=Py_ssize_t, left=list, progressed=bint)
    cpdef _apply_adds(self, object adds)
    @cython.locals(nodes=dict, parent=Node, n=Node, kids=list)
    cpdef _insert(self, dict sn, object pid, object nxt, object prev)


@cython.locals(n=Node)
cpdef Node _node_of(list row)
cpdef object _sibling(object v)
@cython.locals(d=dict)
cpdef object field(object item, object key)

cdef long _ID_MAX
cdef unsigned long long _VARINT_MAX
cdef int _VARINT_LAST_SHIFT
cpdef bint _fits(object v)
@cython.locals(k=object, v=object, c=object)
cpdef bint _plain(Node n)
cpdef object _string_no(object x, dict index, list strings)
@cython.locals(buf=bytearray, j=Py_ssize_t, v="unsigned long long")
cpdef bytes _varints(list values)


cdef class _Varints:
    cdef bytes data
    cdef const unsigned char *p
    cdef Py_ssize_t i, end

    cdef inline bint more(self)
    @cython.locals(p="const unsigned char *", i=Py_ssize_t, b="unsigned char",
                   v="unsigned long long", low="unsigned long long", shift=int)
    cdef inline unsigned long long next(self) except? 0xFFFFFFFFFFFFFFFF


cdef inline object _string_at(list strings, unsigned long long k)


@cython.locals(index=dict, strings=list, out=list, rare=list, n=Node, attrs=dict, kids=list)
cpdef list _dump_nodes(dict nodes)
cdef unsigned long long _SMALL_IDS
cdef list _IDS
cdef inline object _id_of(unsigned long long k)
@cython.locals(r=_Varints, nodes=dict, k="unsigned long long", j="unsigned long long", n=Node,
               attrs=dict, kids=list)
cpdef dict _load_nodes(list strings, bytes stream, list rare)
