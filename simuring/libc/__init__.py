"""libc"""
