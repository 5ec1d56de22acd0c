! Calling coresum from Fortran through iso_c_binding: the exact sum of a double array.
! Build: gfortran examples/fortran/sum.f90 -L target/release -lcoresum_capi -o sum_f
program coresum_sum
    use, intrinsic :: iso_c_binding
    implicit none

    interface
        integer(c_int) function coresum_sum_f64(data, len, mode, out) bind(c, name="coresum_sum_f64")
            import :: c_int, c_double, c_size_t
            real(c_double), intent(in) :: data(*)
            integer(c_size_t), value :: len
            integer(c_int), value :: mode
            real(c_double), intent(out) :: out
        end function
    end interface

    integer(c_int), parameter :: CORESUM_EXACT = 0
    real(c_double) :: xs(4) = [1d308, 1d308, -1d308, 1d-300]
    real(c_double) :: total
    integer(c_int) :: status

    status = coresum_sum_f64(xs, size(xs, kind=c_size_t), CORESUM_EXACT, total)
    if (status /= 0 .or. total /= 1d308) then
        print *, "coresum_sum_f64 failed: status", status, "sum", total
        error stop 1
    end if
    print '(a, es10.3)', "1e308 + 1e308 - 1e308 + 1e-300 = ", total
end program
