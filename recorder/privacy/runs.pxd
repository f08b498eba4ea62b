# Types for the compiled core (see setup.py and recorder/mirror.pxd): the runs read around
# every text a live page adds or changes (the privacy pass's and the audit's).
cimport cython

from recorder.mirror cimport Node, field


cpdef Node _parent(dict nodes, Node n)
cpdef Py_ssize_t _index(Node p, Node n) except -2
@cython.locals(got=list, chars=Py_ssize_t, cur=Node, p=Node, k=Node, kids=list, stack=list,
               ks=list, j=Py_ssize_t, i=Py_ssize_t)
cpdef list _side(dict nodes, Node n, Py_ssize_t step, Py_ssize_t reach)
@cython.locals(before=list)
cpdef list run_around(dict nodes, Node n, Py_ssize_t reach=*)
@cython.locals(touched=list, seen=set, out=list, n=Node, run=list, starts=list)
cpdef list changed_runs(dict nodes, object texts, object adds, object gaps=*)
cpdef bint may_join(Node p)
@cython.locals(p=Node, kids=list, i=Py_ssize_t)
cpdef object gap_of(dict nodes, Node n)
@cython.locals(n=Node)
cpdef Node _edge_text(dict nodes, object nid, Py_ssize_t step)
@cython.locals(out=list, run=list, stack=list, ks=list, j=Py_ssize_t, k=Node)
cpdef list container_runs(dict nodes, Node c, list inner=*)
