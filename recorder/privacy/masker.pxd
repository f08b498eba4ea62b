# Types for the compiled core (see setup.py and recorder/mirror.pxd).
cimport cython

from recorder.mirror cimport Mirror, Node, field
from recorder.privacy.masking cimport (attrs_as_recorded, mask_attr, mask_attrs, mask_text_node,
                                       text_as_recorded)
from recorder.privacy.levels cimport PrivacyLevels
from recorder.privacy.runs cimport gap_of, may_join


cdef class SessionMasker:
    cdef public object rules
    cdef public Mirror mirror
    cdef public PrivacyLevels levels
    cdef public object scrub, _visit, _visit_owner, _redact, _headers, _structural, echoes, stats
    cdef public object clicks
    cdef public object named_by, _now, owner
    cdef public set _was_always
    cdef public dict _split_sent
    cdef public bint _split_maybe
    cdef public list _split_gaps

    @cython.locals(mirror=Mirror, levels=PrivacyLevels, nodes=dict, n=Node, p=Node,
                   kept_removes=list, moved_from=dict, before=dict, dirty=list, out_adds=list,
                   extra_removes=list, out_texts=list, out_attrs=list, changed=bint, same=bint,
                   split=bint, gaps=list)
    cpdef _mutation(self, object e, object data)
    @cython.locals(stack=list, root_holder=list, nodes=dict, levels=PrivacyLevels, n=Node)
    @cython.locals(levels=PrivacyLevels)
    cpdef tuple _changed_text(self, Node n, Node p, object nl, object v)
    cpdef _mask_tree(self, object sn, object parent_level, object parent_tag,
                     object parent_attrs, object parent_editable=*)
