# Types for the compiled build of jsonscan.py (Cython, pure-Python mode; see setup.py): the
# scan is a C loop over the text's bytes.
cimport cython

# the byte values and counts, as C constants in the loop
cdef unsigned char _QUOTE, _BACKSLASH, _U, _OPEN_BRACE, _OPEN_BRACKET, _CLOSE_BRACE
cdef unsigned char _CLOSE_BRACKET, _COLON, _AT, _PERCENT, _FOUR, _ZERO, _NINE
cdef unsigned char _SPACE, _DOT, _LPAREN, _RPAREN, _DASH, _PLUS, _NON_ASCII
cdef unsigned char _TWO, _EIGHT, _UPPER_B, _LOWER_B
cdef unsigned char _LOWER_N, _LOWER_T, _LOWER_R, _LOWER_F
cdef Py_ssize_t HINT_DIGITS, LONG_DIGITS
cdef unsigned char _PLAIN, _DIGIT, _SEPARATOR, _END, _ESCAPE, _HINT, _PERCENT_SIGN
cdef bytes _STRING_KINDS, _LOWER


cdef class JsonFacts:
    cdef public Py_ssize_t depth, colons
    cdef public bint long_number, string_hint, escapes


@cython.locals(p="const unsigned char *", kinds="const unsigned char *", k=cython.uchar,
               n=Py_ssize_t, i=Py_ssize_t, c=cython.uchar, depth=Py_ssize_t,
               deepest=Py_ssize_t, colons=Py_ssize_t, run=Py_ssize_t, digits=Py_ssize_t,
               long_number=bint, hint=bint, closed=bint, escapes=bint, slash=bint)
cpdef JsonFacts _scan(bytes text)


cdef Py_ssize_t PAIRS, MAX_PAIR_GROUPS


cdef class Needles:
    cdef readonly tuple needles
    cdef bytes _pairs
    cdef tuple _groups, _indexes
    cdef bint _per_needle

    @cython.locals(p="const unsigned char *", lower="const unsigned char *",
                   pairs="const unsigned char *", q="const unsigned char *", n=Py_ssize_t,
                   i=Py_ssize_t, j=Py_ssize_t, m=Py_ssize_t, g=cython.uchar, nd=bytes)
    cpdef bint _scan(self, bytes text) except -1

    @cython.locals(p="const unsigned char *", lower="const unsigned char *",
                   pairs="const unsigned char *", q="const unsigned char *", n=Py_ssize_t,
                   i=Py_ssize_t, j=Py_ssize_t, m=Py_ssize_t, g=cython.uchar, nd=bytes,
                   k=Py_ssize_t, hits=Py_ssize_t, seen=bytearray, group=tuple, indexes=tuple)
    cpdef list _found(self, bytes text)
