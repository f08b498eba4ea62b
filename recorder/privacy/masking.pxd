# Types for the compiled core (see setup.py and recorder/mirror.pxd): the value maskers the
# privacy pass calls for every added text and changed attribute of a live page.
cimport cython


cpdef bint attrs_as_recorded(object tag, object level, object scrub) except -1
cpdef bint text_as_recorded(object level, object parent_tag, object scrub) except -1
cpdef object mask_attr(object tag, object name, object value, object level, object node_attrs,
                       object scrub)
@cython.locals(out=dict)
cpdef dict mask_attrs(object tag, object attrs, object level, object node_attrs, object scrub)
cpdef object mask_text_node(object text, object level, object parent_tag, object parent_attrs,
                            object is_style, object scrub, bint editable=*)
